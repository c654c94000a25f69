using System.Buffers.Binary;
using System.Numerics;

namespace Cameo.Workloads.Ysb;

/// <summary>
/// The YSB setup data, the table that stands in for Redis: campaigns of ads, all named by UUID
/// strings, and the ad → campaign mapping the query joins against. Built deterministically from a
/// seed, so a generator and a query built with the same seed agree on every id.
/// </summary>
public sealed class YsbCampaigns
{
    /// <summary>YSB's defaults: 100 campaigns.</summary>
    public const int DefaultCampaigns = 100;

    /// <summary>YSB's defaults: 10 ads per campaign.</summary>
    public const int DefaultAdsPerCampaign = 10;

    private readonly Dictionary<Guid, int> _adIndex;
    private readonly int[] _campaignOfAd;
    private readonly byte[][] _adIdUtf8;
    private readonly int[] _adSlots; // open addressing over the UTF-8 ids: ad index + 1, 0 for empty

    /// <param name="seed">Derives every id.</param>
    /// <param name="campaigns">Number of campaigns.</param>
    /// <param name="adsPerCampaign">Ads in each campaign.</param>
    public YsbCampaigns(int seed, int campaigns = DefaultCampaigns, int adsPerCampaign = DefaultAdsPerCampaign)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(campaigns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(adsPerCampaign, 1);
        var random = new Random(seed);
        CampaignIds = [.. Enumerable.Range(0, campaigns).Select(_ => NewUuid(random).ToString())];
        var adGuids = Enumerable.Range(0, campaigns * adsPerCampaign).Select(_ => NewUuid(random)).ToArray();
        AdIds = [.. adGuids.Select(g => g.ToString())];
        _campaignOfAd = [.. Enumerable.Range(0, AdIds.Count).Select(ad => ad / adsPerCampaign)];
        _adIndex = adGuids.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
        _adIdUtf8 = [.. AdIds.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
        _adSlots = new int[(int)BitOperations.RoundUpToPowerOf2((uint)AdIds.Count * 4)];
        for (int ad = 0; ad < _adIdUtf8.Length; ad++)
        {
            int slot = SlotOf(_adIdUtf8[ad]);
            while (_adSlots[slot] != 0) slot = (slot + 1) & (_adSlots.Length - 1);
            _adSlots[slot] = ad + 1;
        }
    }

    /// <summary>Campaign UUIDs, by campaign index.</summary>
    public IReadOnlyList<string> CampaignIds { get; }

    /// <summary>Ad UUIDs, by ad index.</summary>
    public IReadOnlyList<string> AdIds { get; }

    /// <summary>The campaign of ad <paramref name="adIndex"/> (the YSB join; a lookup, no allocation).</summary>
    public int CampaignOf(int adIndex) => _campaignOfAd[adIndex];

    /// <summary>The index of the ad with UUID <paramref name="adId"/>, or -1 if the table does not know it.</summary>
    public int AdIndexOf(Guid adId) => _adIndex.TryGetValue(adId, out int i) ? i : -1;

    /// <summary>
    /// The index of the ad whose id is exactly <paramref name="utf8"/> in the table's canonical form
    /// (lower-case, hyphenated, as <see cref="AdIds"/> spells it), or -1. A hash probe over the raw
    /// bytes: the parser's fast path, which falls back to <see cref="AdIndexOf(Guid)"/> for other spellings.
    /// </summary>
    public int AdIndexOfCanonical(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length != 36) return -1;
        for (int slot = SlotOf(utf8); ; slot = (slot + 1) & (_adSlots.Length - 1))
        {
            int entry = _adSlots[slot];
            if (entry == 0) return -1;
            if (utf8.SequenceEqual(_adIdUtf8[entry - 1])) return entry - 1;
        }
    }

    /// <summary>A hash of a 36-byte id from three 8-byte reads that cover its random hex digits.</summary>
    private int SlotOf(ReadOnlySpan<byte> utf8)
    {
        ulong h = BinaryPrimitives.ReadUInt64LittleEndian(utf8) * 0x9E3779B97F4A7C15ul
                ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[14..]) * 0xC2B2AE3D27D4EB4Ful
                ^ BinaryPrimitives.ReadUInt64LittleEndian(utf8[28..]);
        return (int)((h ^ (h >> 29)) & (ulong)(_adSlots.Length - 1));
    }

    /// <summary>A random version-4 UUID drawn from <paramref name="random"/> (so it is reproducible).</summary>
    internal static Guid NewUuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return FromBytes(bytes);
    }

    /// <summary>A version-4 UUID from 16 random bytes.</summary>
    internal static Guid FromBytes(Span<byte> bytes)
    {
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (Guid's little-endian layout puts it in byte 7)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
