using Cameo.Progress;
using Cameo.Time;

namespace Cameo.Tests.Support;

/// <summary>
/// One step of what a windowed operator receives, in order: a batch of records on a side (0, or 1
/// for a join's right side), or a watermark. The engine applies a message's records before the
/// watermark riding on it, and only tells an operator about a watermark that advanced.
/// </summary>
internal abstract record Step;

internal sealed record Batch(int Side, IReadOnlyList<Ev> Records) : Step;

internal sealed record WatermarkStep(long Watermark) : Step;

/// <summary>
/// A brute-force model of event-time windows, written from the definition rather than from the
/// engine's code: a window <c>[s, s + size)</c> with <c>s</c> a multiple of the slide holds every
/// record whose time lies in it; it fires once the watermark reaches its end; a record arriving
/// when the watermark has passed the end of a window holding it is not counted in that window, and
/// a record counted in no window is late.
/// </summary>
internal static class WindowOracle
{
    /// <summary>Every window start whose window contains <paramref name="t"/>, found by scanning candidates.</summary>
    public static List<long> StartsContaining(long t, WindowSpec w)
    {
        var starts = new List<long>();
        long first = (long)Math.Floor((t - w.Size) / (double)w.Slide) - 1;
        long last = (long)Math.Floor(t / (double)w.Slide) + 1;
        for (long k = first; k <= last; k++)
        {
            long s = k * w.Slide;
            if (s <= t && t < s + w.Size) starts.Add(s);
        }
        return starts;
    }

    /// <summary>What a windowed operator should have done with <paramref name="steps"/>.</summary>
    public static Outcome Run(IEnumerable<Step> steps, WindowSpec w)
    {
        var outcome = new Outcome();
        long watermark = Watermark.None;
        int index = 0;
        foreach (var step in steps)
        {
            switch (step)
            {
                case Batch b:
                    foreach (var e in b.Records)
                    {
                        var open = StartsContaining(e.Time, w).Where(s => watermark == Watermark.None || s + w.Size > watermark).ToList();
                        if (open.Count == 0) { outcome.Late[b.Side].Add(e); continue; }
                        outcome.WindowsOf[(b.Side, e.Id)] = open;
                        foreach (long s in open)
                        {
                            var key = (e.Key, s);
                            if (!outcome.Windows.TryGetValue(key, out var contents)) outcome.Windows[key] = contents = ([], []);
                            (b.Side == 0 ? contents.Left : contents.Right).Add(e);
                        }
                    }
                    break;
                case WatermarkStep p when p.Watermark > watermark:
                    watermark = p.Watermark;
                    foreach (var key in outcome.Windows.Keys)
                        if (key.Start + w.Size <= watermark) outcome.FiredAt.TryAdd(key, index);
                    break;
            }
            index++;
        }
        return outcome;
    }

    /// <summary>
    /// The steps a window operator fed straight by one source sees, whatever the batching: each
    /// record meets the watermark of the records before it (largest time so far minus
    /// <paramref name="bound"/>), i.e. that watermark comes first whenever the record is behind it;
    /// the end of the stream closes every window.
    /// </summary>
    public static IEnumerable<Step> SourceSteps(IReadOnlyList<Ev> events, long bound)
    {
        long max = long.MinValue;
        foreach (var e in events)
        {
            if (max != long.MinValue && e.Time < max - bound) yield return new WatermarkStep(max - bound);
            yield return new Batch(0, [e]);
            max = Math.Max(max, e.Time);
        }
        yield return new WatermarkStep(Watermark.EndOfStream);
    }

    /// <summary>Every pair (left id, right id, window start) a windowed join must emit: a nested loop over both sides.</summary>
    public static List<(int Left, int Right, long Start)> JoinPairs(Outcome outcome, IEnumerable<Ev> left, IEnumerable<Ev> right)
    {
        var pairs = new List<(int, int, long)>();
        foreach (var l in left)
            foreach (var r in right)
            {
                if (l.Key != r.Key) continue;
                if (!outcome.WindowsOf.TryGetValue((0, l.Id), out var lw) || !outcome.WindowsOf.TryGetValue((1, r.Id), out var rw)) continue;
                foreach (long s in lw.Intersect(rw)) pairs.Add((l.Id, r.Id, s));
            }
        pairs.Sort();
        return pairs;
    }

    internal sealed class Outcome
    {
        /// <summary>Each (key, window start) that got records, with the records in arrival order, by side.</summary>
        public Dictionary<(int Key, long Start), (List<Ev> Left, List<Ev> Right)> Windows { get; } = [];

        /// <summary>The windows each (side, record id) was counted in.</summary>
        public Dictionary<(int Side, int Id), List<long>> WindowsOf { get; } = [];

        /// <summary>Records counted in no window, by side.</summary>
        public List<Ev>[] Late { get; } = [[], []];

        /// <summary>The step at which each window fired.</summary>
        public Dictionary<(int Key, long Start), int> FiredAt { get; } = [];

        public int LateCount => Late[0].Count + Late[1].Count;
    }
}

/// <summary>The aggregates under test, each next to its brute-force definition over a window's records.</summary>
internal static class Aggregates
{
    /// <summary>An order-sensitive user-defined aggregate: the ids in the order the window received them.</summary>
    public static string Ids(IEnumerable<Ev> records) => string.Join(",", records.Select(e => e.Id));

    public static double Average(IReadOnlyList<Ev> records)
    {
        double sum = 0;
        foreach (var e in records) sum += e.Value;
        return sum / records.Count;
    }
}
