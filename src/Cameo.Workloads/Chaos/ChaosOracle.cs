using Cameo.Operators;

namespace Cameo.Workloads.Chaos;

/// <summary>How one sink's final output compares with the oracle's.</summary>
/// <param name="Sink">Which output, e.g. <c>counts (Redis)</c>.</param>
/// <param name="Expected">Results the oracle computes.</param>
/// <param name="Received">Results the sink holds.</param>
/// <param name="Lost">Expected results the sink does not hold.</param>
/// <param name="Duplicated">Results the sink holds more than once (each extra copy counts).</param>
/// <param name="Wrong">Results for an expected identity (key and window) with another value, or for none.</param>
public sealed record ChaosTally(string Sink, long Expected, long Received, long Lost, long Duplicated, long Wrong)
{
    /// <summary>True when the sink holds exactly the oracle's results.</summary>
    public bool Exact => Lost == 0 && Duplicated == 0 && Wrong == 0;
}

/// <summary>
/// The brute-force oracle of the chaos queries, from the whole input at once: per key and window
/// the number of clicks, and every click–view pair with the same key in the same window.
/// </summary>
public static class ChaosOracle
{
    /// <summary>The windowed count: per (key, window start) the number of clicks.</summary>
    public static Dictionary<(int Key, long Start), long> Counts(ChaosInput input) =>
        input.Of(ChaosSide.Clicks)
            .GroupBy(e => (e.Key, Start: ChaosInput.WindowStart(e.TimeMs)))
            .ToDictionary(g => g.Key, g => (long)g.Count());

    /// <summary>The join: every click–view pair with equal keys in the same window.</summary>
    public static HashSet<ChaosPair> Pairs(ChaosInput input) =>
        [.. from c in input.Of(ChaosSide.Clicks)
            join v in input.Of(ChaosSide.Views) on (c.Key, ChaosInput.WindowStart(c.TimeMs)) equals (v.Key, ChaosInput.WindowStart(v.TimeMs))
            select new ChaosPair(c.Id, v.Id)];

    /// <summary>Compares a sink's windowed counts with <paramref name="expected"/>.</summary>
    public static ChaosTally CompareCounts(string sink, IReadOnlyDictionary<(int Key, long Start), long> expected, IEnumerable<WindowResult<int, long>> received)
    {
        long total = 0, duplicated = 0, wrong = 0;
        var seen = new HashSet<(int, long)>();
        foreach (var r in received)
        {
            total++;
            var id = (r.Key, r.Start);
            if (!seen.Add(id)) duplicated++;
            else if (!expected.TryGetValue(id, out long count) || count != r.Value || r.End != r.Start + ChaosInput.WindowMs) wrong++;
        }
        long lost = expected.Keys.Count(k => !seen.Contains(k));
        return new ChaosTally(sink, expected.Count, total, lost, duplicated, wrong);
    }

    /// <summary>Compares a sink's joined pairs with <paramref name="expected"/>.</summary>
    public static ChaosTally ComparePairs(string sink, IReadOnlySet<ChaosPair> expected, IEnumerable<ChaosPair> received)
    {
        long total = 0, duplicated = 0, wrong = 0;
        var seen = new HashSet<ChaosPair>();
        foreach (var p in received)
        {
            total++;
            if (!seen.Add(p)) duplicated++;
            else if (!expected.Contains(p)) wrong++;
        }
        long lost = expected.Count(p => !seen.Contains(p));
        return new ChaosTally(sink, expected.Count, total, lost, duplicated, wrong);
    }
}
