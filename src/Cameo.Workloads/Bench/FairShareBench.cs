using System.Diagnostics;
using Cameo.Operators;
using Cameo.Scheduling;

namespace Cameo.Workloads.Bench;

/// <summary>How `cameo bench fair-share` runs.</summary>
/// <param name="Workers">Worker threads.</param>
/// <param name="Seconds">Length of the whole run; the last query starts at 2 x <paramref name="StaggerSeconds"/>.</param>
/// <param name="StaggerSeconds">Time between the starts of the three queries.</param>
/// <param name="Seed">Input seed.</param>
/// <param name="CpuMicros">CPU work per event of the (identical) queries.</param>
public sealed record FairShareSettings(int Workers, double Seconds = FairShareBench.DefaultSeconds, double StaggerSeconds = FairShareBench.DefaultStaggerSeconds, int Seed = 42, double CpuMicros = 5)
{
    /// <summary>When the measurement of the shares starts: a second after the last query started, its queues filled.</summary>
    public double AllRunningFromSecond => 2 * StaggerSeconds + FairShareBench.SettleSeconds;

    /// <summary>The first problem with these settings, or null.</summary>
    public string? Problem() =>
        Workers < 1 ? "--workers must be at least 1."
        : StaggerSeconds <= 0 ? "--stagger must be positive."
        : Seconds <= AllRunningFromSecond ? $"--seconds must exceed {AllRunningFromSecond:0.#} (two staggers for the later queries to start, and {FairShareBench.SettleSeconds:0.#} s to settle)."
        : null;
}

/// <summary>One query of the fair-share run: its weight, when it started, and its input rate while all three ran.</summary>
/// <param name="Name"></param>
/// <param name="Weight"></param>
/// <param name="StartSecond"></param>
/// <param name="EventsPerSecond">Input events per second over the period when all three run.</param>
/// <param name="Share">Its part of the three queries' events per second in that period.</param>
/// <param name="ExpectedShare">Its weight's part of the three weights.</param>
public sealed record FairShareQuery(string Name, double Weight, double StartSecond, double EventsPerSecond, double Share, double ExpectedShare);

/// <summary>Each query's input rate over one sampling interval ending at <paramref name="Second"/> (same order as the queries).</summary>
public sealed record FairSharePoint(double Second, IReadOnlyList<double> EventsPerSecond);

/// <summary>results.json of `cameo bench fair-share`.</summary>
/// <param name="Scenario"></param>
/// <param name="Policy"></param>
/// <param name="Workers"></param>
/// <param name="Seconds"></param>
/// <param name="StaggerSeconds"></param>
/// <param name="AllRunningFromSecond"></param>
/// <param name="Utilization">Worker utilization while all three ran.</param>
/// <param name="Queries"></param>
/// <param name="Timeline"></param>
/// <param name="Targets"></param>
public sealed record FairShareResult(string Scenario, string Policy, int Workers, double Seconds, double StaggerSeconds, double AllRunningFromSecond, double Utilization,
    IReadOnlyList<FairShareQuery> Queries, IReadOnlyList<FairSharePoint> Timeline, IReadOnlyList<Verdict> Targets);

/// <summary>
/// The paper's plug-in demonstration: three identical saturating dataflows with weights 20, 40 and
/// 40 under the proportional-share policy, started a few seconds apart; while all three run their
/// throughput should split 1:2:2.
/// </summary>
public static class FairShareBench
{
    public const string ScenarioName = "fair-share";
    public const double DefaultSeconds = 14;
    public const double DefaultStaggerSeconds = 3;
    public const double SettleSeconds = 1;

    /// <summary>Most relative distance of a query's share from its weight's share.</summary>
    public const double ShareTolerance = 0.10;

    /// <summary>The queries' weights, in start order.</summary>
    public static readonly double[] Weights = [20, 40, 40];

    private const double SaturatingRate = 50_000_000;

    /// <summary>Records per message in this run.</summary>
    public const int BatchSize = 64;
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(250);
    private const double TimelineWindowSeconds = 1;

    /// <summary>Runs the three queries and measures their throughput.</summary>
    public static async Task<FairShareResult> RunAsync(FairShareSettings settings, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        var policy = SchedulingPolicies.Parse("fair-share");
        // Small messages: a saturated source refills its query's in-flight window a quarter at a
        // time, and the shares are only as fine as those refills.
        await using var engine = new CameoEngine(new EngineOptions { Workers = settings.Workers, Policy = policy, BatchSize = BatchSize });
        var counts = new long[Weights.Length];
        long[] Counts() => [.. Enumerable.Range(0, counts.Length).Select(i => Interlocked.Read(ref counts[i]))];
        var names = Weights.Select((w, i) => $"weight-{w:0}{(Weights.Count(x => x == w) > 1 ? "-" + (char)('a' + Weights.Take(i).Count(x => x == w)) : "")}").ToArray();
        var starts = Weights.Select((_, i) => i * settings.StaggerSeconds).ToArray();
        int rounds = CpuWork.RoundsFor(settings.CpuMicros);

        void Add(int i) => engine.AddQuery(names[i], TimeSpan.FromSeconds(1), b =>
        {
            b.WithWeight(Weights[i]).DefaultParallelism = 2;
            int seed = settings.Seed + i;
            b.From(Source.Generate((n, due) => { Interlocked.Increment(ref counts[i]); return Reading.Generate(seed, n, due); }, SaturatingRate, name: names[i]))
                .WithEventTime(r => r.TimeMs, QueryShapes.OutOfOrderness)
                .Select(r => r with { Value = r.Value + (CpuWork.Burn((ulong)r.Sensor, rounds) & 1) })
                .KeyBy(r => r.Region).Window(TimeSpan.FromSeconds(1)).Count()
                .To(QueryShapes.Discard<WindowResult<int, long>>());
        });

        var timeline = new List<FairSharePoint>();
        // Sources refill in chunks of a quarter of the in-flight window, so each point is the rate over the last second.
        var history = new Queue<(double Second, long[] Counts)>([(0, new long[counts.Length])]);
        long[]? atAllRunning = null;
        double utilization = 0, measuredFrom = 0;
        int started = 0;
        var clock = Stopwatch.StartNew();
        Add(started++);
        log?.Invoke($"{names[0]} (weight {Weights[0]:0}) starts");
        engine.Start();
        try
        {
            while (clock.Elapsed.TotalSeconds < settings.Seconds)
            {
                await Task.Delay(Sample, cancellationToken).ConfigureAwait(false);
                double now = clock.Elapsed.TotalSeconds;
                var current = Counts();
                while (history.Count > 1 && now - history.Peek().Second > TimelineWindowSeconds + 0.01) history.Dequeue();
                var (then, before) = history.Peek();
                timeline.Add(new FairSharePoint(Math.Round(now, 3), [.. current.Select((c, i) => Math.Round((c - before[i]) / (now - then), 1))]));
                history.Enqueue((now, current));
                if (started < Weights.Length && now >= starts[started])
                {
                    log?.Invoke($"{names[started]} (weight {Weights[started]:0}) starts at {now:0.0} s");
                    Add(started++);
                }
                if (atAllRunning is null && started == Weights.Length && now >= settings.AllRunningFromSecond)
                {
                    atAllRunning = current;
                    engine.ResetMetrics();
                    measuredFrom = now;
                }
            }
            utilization = engine.Utilization;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        var end = Counts();
        double measuredSeconds = clock.Elapsed.TotalSeconds - measuredFrom;
        await engine.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (engine.Queries.FirstOrDefault(h => h.Failure is not null) is { } failed)
            throw new InvalidOperationException($"{failed.Name} failed: {failed.Failure!.Message}", failed.Failure);

        var rates = end.Select((c, i) => atAllRunning is null ? 0 : (c - atAllRunning[i]) / measuredSeconds).ToArray();
        double total = rates.Sum(), weights = Weights.Sum();
        var queries = names.Select((n, i) => new FairShareQuery(n, Weights[i], starts[i], Math.Round(rates[i], 1),
            total > 0 ? Math.Round(rates[i] / total, 4) : 0, Math.Round(Weights[i] / weights, 4))).ToList();
        return new FairShareResult(ScenarioName, policy.Name, settings.Workers, settings.Seconds, settings.StaggerSeconds, Math.Round(measuredFrom, 3), Math.Round(utilization, 4),
            queries, timeline, [Verdict(queries, total)]);
    }

    /// <summary>Shares within <see cref="ShareTolerance"/> of the weights' shares, for every query.</summary>
    public static Verdict Verdict(IReadOnlyList<FairShareQuery> queries, double total)
    {
        string goal = $"target each within {Format.Pct(ShareTolerance)} of {string.Join(":", Weights.Select(w => (w / Weights.Min()).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)))}";
        if (total <= 0) return new($"throughput shares while all three ran: not measured ({goal})", null);
        var ratio = queries.Select(q => q.Share / q.ExpectedShare).ToList();
        string shares = string.Join(" : ", queries.Select(q => (q.Share / queries[0].Share).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));
        var worst = queries.MaxBy(q => Math.Abs(q.Share / q.ExpectedShare - 1))!;
        return new($"throughput shares while all three ran = {shares} (worst {worst.Name}: {Format.Pct(worst.Share, 1)} for {Format.Pct(worst.ExpectedShare, 1)}; {goal})",
            ratio.All(r => Math.Abs(r - 1) <= ShareTolerance));
    }
}
