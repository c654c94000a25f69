using System.Diagnostics;
using Cameo.Workloads.Bench;

namespace Cameo.Workloads.Nexmark;

/// <summary>One query's throughput at saturation: the engine's, and a plain single-thread loop's over the same events.</summary>
/// <param name="Name">q0 ... q11.</param>
/// <param name="Events">Input events per run.</param>
/// <param name="EngineEventsPerSecond">Events read, processed and written per second by the engine (best of the repeats).</param>
/// <param name="LoopEventsPerSecond">The same query computed by a plain C# loop on one thread (best of the repeats): the practical limit.</param>
/// <param name="Outputs">Results the engine produced (the loop must produce as many).</param>
public sealed record NexmarkQueryThroughput(string Name, long Events, double EngineEventsPerSecond, double LoopEventsPerSecond, long Outputs);

/// <summary>Five queries sharing one JSON input (one parse) against the slowest of them alone on the same input.</summary>
/// <param name="Queries">The queries that share the input.</param>
/// <param name="SharedSeconds">Wall time of the five sharing one parsed stream.</param>
/// <param name="SlowestAloneSeconds">Wall time of the slowest of them alone, parsing the input itself.</param>
/// <param name="SlowestAlone">Which query that is.</param>
public sealed record NexmarkSharing(IReadOnlyList<string> Queries, double SharedSeconds, double SlowestAloneSeconds, string SlowestAlone)
{
    /// <summary>The target: sharing costs at most this much more than the slowest query alone.</summary>
    public const double Target = 1.3;

    public double Ratio => SharedSeconds / SlowestAloneSeconds;
}

/// <summary>results.json of `cameo bench nexmark-throughput`.</summary>
public sealed record NexmarkThroughputResult(string Scenario, int Workers, IReadOnlyList<NexmarkQueryThroughput> Queries, NexmarkSharing Sharing, IReadOnlyList<Verdict> Targets);

/// <summary>
/// `cameo bench nexmark-throughput`: every NEXMark query over the same generated events (with
/// disorder) at saturation (the whole input in memory, read as fast as the engine takes it), next to a
/// plain single-thread C# loop computing the same query (<see cref="NexmarkLoops"/>); and the
/// shared-stream target: five queries sharing one parse of a JSON-lines input against the slowest
/// of them alone.
/// </summary>
public static class NexmarkThroughput
{
    public const string ScenarioName = "nexmark-throughput";

    /// <summary>The queries the bench runs, by name: each defined on the event stream at a parallelism, with a sink for its results.</summary>
    public static IReadOnlyList<(string Name, Action<Stream<NexmarkEvent>, int, Action<object>> Define)> Queries { get; } =
    [
        ("q0", (e, p, sink) => Sink(NexmarkQueries.Q0(e), sink)),
        ("q1", (e, p, sink) => Sink(NexmarkQueries.Q1(e), sink)),
        ("q2", (e, p, sink) => Sink(NexmarkQueries.Q2(e), sink)),
        ("q3", (e, p, sink) => Sink(NexmarkQueries.Q3(e, p), sink)),
        ("q4", (e, p, sink) => Sink(NexmarkQueries.Q4(e, p), sink)),
        ("q5", (e, p, sink) => Sink(NexmarkQueries.Q5(e, p), sink)),
        ("q6", (e, p, sink) => Sink(NexmarkQueries.Q6(e, p), sink)),
        ("q7", (e, p, sink) => Sink(NexmarkQueries.Q7(e), sink)),
        ("q8", (e, p, sink) => Sink(NexmarkQueries.Q8(e, p), sink)),
        ("q11", (e, p, sink) => Sink(NexmarkQueries.Q11(e, p), sink)),
    ];

    /// <summary>The queries of the shared-stream measurement (the issue's five).</summary>
    public static readonly string[] SharingQueries = ["q1", "q2", "q5", "q7", "q8"];

    private static void Sink<T>(Stream<T> results, Action<object> sink) => results.To(r => sink(r!));

    /// <summary>The bench's input: <paramref name="count"/> events at 10,000/s of event time, 10% up to 3 s early (within the 4 s watermark bound).</summary>
    public static NexmarkEvent[] Input(long count, int seed) => [.. new NexmarkGenerator(seed, eventsPerSecond: 10_000, maxDelayMs: 3000, delayedShare: 0.1).Events(count)];

    /// <summary>Measures every query (engine and loop, best of <paramref name="repeat"/>) and the sharing target.</summary>
    public static async Task<NexmarkThroughputResult> RunAsync(long events, int workers, int repeat, int seed, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var input = Input(events, seed);
        var results = new List<NexmarkQueryThroughput>();
        foreach (var (name, define) in Queries)
        {
            double engine = 0, loop = 0;
            long outputs = 0, loopOutputs = 0;
            for (int r = 0; r < repeat; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (seconds, count) = await RunEngineAsync(name, define, input, workers, cancellationToken).ConfigureAwait(false);
                engine = Math.Max(engine, input.Length / seconds);
                outputs = count;
                var clock = Stopwatch.StartNew();
                loopOutputs = NexmarkLoops.Run(name, input);
                loop = Math.Max(loop, input.Length / clock.Elapsed.TotalSeconds);
            }
            if (outputs != loopOutputs) throw new InvalidOperationException($"{name}: the engine produced {outputs} results, the plain loop {loopOutputs}.");
            log?.Invoke($"{name}: engine {engine:N0} events/s, plain loop {loop:N0} events/s ({outputs:N0} results)");
            results.Add(new NexmarkQueryThroughput(name, input.Length, engine, loop, outputs));
        }
        var sharing = await MeasureSharingAsync(input, workers, cancellationToken).ConfigureAwait(false);
        log?.Invoke($"sharing: {string.Join(", ", sharing.Queries)} on one parse {sharing.SharedSeconds:0.00} s; slowest alone ({sharing.SlowestAlone}) {sharing.SlowestAloneSeconds:0.00} s");
        var targets = new List<Verdict>
        {
            new($"{sharing.Queries.Count} queries sharing one JSON input within {NexmarkSharing.Target:0.0}x of the slowest alone ({sharing.Ratio:0.00}x)", sharing.Ratio <= NexmarkSharing.Target),
            Targets.Info(new($"engine on {workers} workers / plain single-thread loop, per query: {string.Join(", ", results.Select(q => $"{q.Name} {q.EngineEventsPerSecond / q.LoopEventsPerSecond:0.00}"))}", null)),
        };
        return new NexmarkThroughputResult(ScenarioName, workers, results, sharing, targets);
    }

    private static async Task<(double Seconds, long Outputs)> RunEngineAsync(string name, Action<Stream<NexmarkEvent>, int, Action<object>> define, NexmarkEvent[] input, int workers, CancellationToken cancellationToken)
    {
        long outputs = 0;
        await using var engine = CameoEngine.Create(o => o.Workers = workers);
        var query = engine.AddQuery(name, TimeSpan.FromSeconds(1), b => define(NexmarkQueries.Events(b, Source.From(input)), workers, _ => Interlocked.Increment(ref outputs)));
        var clock = Stopwatch.StartNew();
        await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        await query.Completion.ConfigureAwait(false);
        return (clock.Elapsed.TotalSeconds, outputs);
    }

    /// <summary>The five queries reading one JSON-lines input parsed once (a shared stream), against each alone parsing it.</summary>
    public static async Task<NexmarkSharing> MeasureSharingAsync(NexmarkEvent[] input, int workers, CancellationToken cancellationToken = default)
    {
        string file = Path.Combine(Path.GetTempPath(), $"cameo-nexmark-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, input.Select(NexmarkJson.Serialize), cancellationToken).ConfigureAwait(false);
        try
        {
            var chosen = Queries.Where(q => SharingQueries.Contains(q.Name)).ToList();
            double slowest = 0;
            string slowestName = "";
            foreach (var (name, define) in chosen)
            {
                await using var engine = CameoEngine.Create(o => o.Workers = workers);
                engine.AddQuery(name, TimeSpan.FromSeconds(1), b => define(Parsed(b.From(Source.From(File.ReadLines(file), "lines"))), workers, _ => { }));
                var clock = Stopwatch.StartNew();
                await engine.RunAsync(cancellationToken).ConfigureAwait(false);
                if (clock.Elapsed.TotalSeconds > slowest) (slowest, slowestName) = (clock.Elapsed.TotalSeconds, name);
            }
            await using (var engine = CameoEngine.Create(o => o.Workers = workers))
            {
                var events = engine.Stream("nexmark", s => Parsed(s.From(Source.From(File.ReadLines(file), "lines"))));
                foreach (var (name, define) in chosen)
                    engine.AddQuery(name, TimeSpan.FromSeconds(1), b => define(b.From(events), workers, _ => { }));
                var clock = Stopwatch.StartNew();
                await engine.RunAsync(cancellationToken).ConfigureAwait(false);
                return new NexmarkSharing(SharingQueries, clock.Elapsed.TotalSeconds, slowest, slowestName);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Parses the lines on every worker, then assigns event times.</summary>
    private static Stream<NexmarkEvent> Parsed(Stream<string> lines) =>
        lines.Select(NexmarkJson.Parse).WithParallelism(2).WithEventTime(e => e.DateTime, NexmarkQueries.OutOfOrderness);
}
