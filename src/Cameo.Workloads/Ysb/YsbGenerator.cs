using System.Buffers.Text;

namespace Cameo.Workloads.Ysb;

/// <summary>
/// Generates YSB ad events. Event <c>i</c> is a pure function of the seed and <c>i</c> (a SplitMix64
/// hash), so the same seed gives the same events in any order, from any number of threads, and the
/// pre-parsed and JSON forms of an event always agree. Ads are drawn uniformly from the
/// <see cref="YsbCampaigns"/> table, event types uniformly from view/click/purchase.
/// </summary>
public sealed class YsbGenerator
{
    /// <summary>No generated JSON line is longer than this.</summary>
    public const int MaxLineBytes = 256;

    private static readonly byte[][] AdTypes = [.. new[] { "banner", "modal", "sponsored-search", "mail", "mobile" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private static readonly byte[][] EventTypes = [.. new[] { "view", "click", "purchase" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private readonly ulong _seed;

    /// <param name="campaigns">The setup data events refer to.</param>
    /// <param name="seed">Selects the event sequence.</param>
    public YsbGenerator(YsbCampaigns campaigns, int seed)
    {
        Campaigns = campaigns;
        _seed = Mix((ulong)seed ^ 0x5EED_0F_0A5Bul);
        AdCount = campaigns.AdIds.Count;
        _adIdBytes = [.. campaigns.AdIds.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    }

    private readonly byte[][] _adIdBytes;

    public YsbCampaigns Campaigns { get; }

    private int AdCount { get; }

    /// <summary>Event <paramref name="index"/>, stamped <paramref name="eventTimeMs"/>, pre-parsed.</summary>
    public YsbEvent Event(long index, long eventTimeMs)
    {
        ulong h = Hash(index);
        return new YsbEvent(AdOf(h), TypeOf(h), eventTimeMs);
    }

    /// <summary>
    /// Writes event <paramref name="index"/>, stamped <paramref name="eventTimeMs"/>, as one line of
    /// YSB JSON (UTF-8, no line break; every field a string, as YSB writes them).
    /// </summary>
    /// <returns>The number of bytes written (at most <see cref="MaxLineBytes"/>).</returns>
    public int WriteJson(long index, long eventTimeMs, Span<byte> destination)
    {
        ulong h = Hash(index);
        var w = new SpanWriter(destination);
        w.Raw("{\"user_id\":\""u8); w.Uuid(Mix(h ^ 1), Mix(h ^ 2));
        w.Raw("\",\"page_id\":\""u8); w.Uuid(Mix(h ^ 3), Mix(h ^ 4));
        w.Raw("\",\"ad_id\":\""u8); w.Raw(_adIdBytes[AdOf(h)]);
        w.Raw("\",\"ad_type\":\""u8); w.Raw(AdTypes[(int)((h >> 40) % (ulong)AdTypes.Length)]);
        w.Raw("\",\"event_type\":\""u8); w.Raw(EventTypes[(int)TypeOf(h)]);
        w.Raw("\",\"event_time\":\""u8); w.Number(eventTimeMs);
        w.Raw("\",\"ip_address\":\"1.2.3.4\"}"u8);
        return w.Written;
    }

    /// <summary>Event <paramref name="index"/> as a JSON line in a new array (for tests and samples; the trace writes in place).</summary>
    public byte[] JsonLine(long index, long eventTimeMs)
    {
        Span<byte> buffer = stackalloc byte[MaxLineBytes];
        return buffer[..WriteJson(index, eventTimeMs, buffer)].ToArray();
    }

    private ulong Hash(long index) => Mix(_seed + (ulong)index * 0x9E3779B97F4A7C15ul);

    private int AdOf(ulong h) => (int)((h & 0xFFFF_FFFF) % (ulong)AdCount);

    private static YsbEventType TypeOf(ulong h) => (YsbEventType)((h >> 32 & 0xFF) % 3);

    /// <summary>SplitMix64's finaliser: a bijective, well-mixed hash of 64 bits.</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBul;
        return z ^ (z >> 31);
    }

    /// <summary>Appends to a span; the generator's lines are bounded, so it never runs out.</summary>
    private ref struct SpanWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Written { get; private set; }

        public void Raw(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_destination[Written..]);
            Written += bytes.Length;
        }

        public void Number(long value)
        {
            if (!Utf8Formatter.TryFormat(value, _destination[Written..], out int n)) throw new ArgumentException("The destination is too short for a YSB line.");
            Written += n;
        }

        public void Uuid(ulong high, ulong low)
        {
            Span<byte> bytes = stackalloc byte[16];
            BitConverter.TryWriteBytes(bytes, high);
            BitConverter.TryWriteBytes(bytes[8..], low);
            if (!YsbCampaigns.FromBytes(bytes).TryFormat(_destination[Written..], out int n)) throw new ArgumentException("The destination is too short for a YSB line.");
            Written += n;
        }
    }
}
