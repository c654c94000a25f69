using Cameo.Operators;

namespace Cameo.Workloads.Nexmark;

/// <summary>Where each query of <see cref="NexmarkMultiTenant"/> writes its results (tests collect them; the bench discards them).</summary>
/// <param name="Q1">Q1's results.</param>
/// <param name="Q5">Q5's results.</param>
/// <param name="Q7">Q7's results.</param>
/// <param name="Q8">Q8's results.</param>
public sealed record NexmarkSinks(Sink<Q1Result> Q1, Sink<Q5Result> Q5, Sink<Q7Result> Q7, Sink<Q8Result> Q8)
{
    /// <summary>Every result discarded (the engine measures outputs itself).</summary>
    public static NexmarkSinks Discard { get; } = new(QueryShapes.Discard<Q1Result>(), QueryShapes.Discard<Q5Result>(), QueryShapes.Discard<Q7Result>(), QueryShapes.Discard<Q8Result>());
}

/// <summary>
/// `cameo bench nexmark-multi-tenant`: Q1 (20 ms), Q8 (100 ms), Q5 (1 s) and Q7 (5 s) as four
/// tenants reading one shared stream of NEXMark events: JSON lines from a paced source
/// (<see cref="NexmarkLines"/>), parsed once, in parallel, for all four (<c>engine.Stream</c>).
/// A regular scenario of the bench harness: calibrated on the mix, run per policy in interleaved
/// rounds, judged per query by name.
/// </summary>
public static class NexmarkMultiTenant
{
    public const string ScenarioName = "nexmark-multi-tenant";

    /// <summary>The shared stream's name.</summary>
    public const string InputName = "nexmark";

    /// <summary>Measured seconds per run by default: Q7's 10 s windows must close more than once.</summary>
    public const double DefaultSeconds = 20;

    /// <summary>The tenants: query, class, latency target.</summary>
    public static IReadOnlyList<(string Name, QueryClass Class, TimeSpan Target)> Tenants { get; } =
    [
        ("q1", QueryClass.LS, TimeSpan.FromMilliseconds(20)),
        ("q8", QueryClass.LS, TimeSpan.FromMilliseconds(100)),
        ("q5", QueryClass.BA, TimeSpan.FromSeconds(1)),
        ("q7", QueryClass.BA, TimeSpan.FromSeconds(5)),
    ];

    /// <summary>
    /// The scenario: the shared input (the source at the scenario's rate, the parse on
    /// <paramref name="parallelism"/> instances, event times with NEXMark's 4 s bound) and the four
    /// queries (Q5's and Q8's keyed operators on <paramref name="parallelism"/> instances). Each
    /// query is offered the whole input (load share 1).
    /// </summary>
    /// <param name="parallelism">Instances of the parse and of the keyed operators.</param>
    /// <param name="sinks">Where the results go (default: discarded).</param>
    /// <param name="parse">Parses a line (default <see cref="NexmarkLines.Parse"/>; tests wrap it to count the parses).</param>
    public static Scenario Create(int parallelism = 2, NexmarkSinks? sinks = null, Func<NexmarkLines, Func<NexmarkLine, NexmarkEvent>>? parse = null)
    {
        sinks ??= NexmarkSinks.Discard;
        var shared = new SharedInput(InputName, (engine, input) =>
        {
            var lines = NexmarkLines.For(input.Seed);
            var parseLine = parse?.Invoke(lines) ?? lines.Parse;
            return engine.Stream(InputName, s => s
                .From(input.Generate(lines.Line, input.Rate, InputName))
                .Select(parseLine).WithParallelism(parallelism)
                .WithEventTime(e => e.DateTime, NexmarkQueries.OutOfOrderness));
        });
        WorkloadQuery Tenant(int i, Action<Stream<NexmarkEvent>> define) =>
            new(Tenants[i].Name, Tenants[i].Class, Tenants[i].Target, 1, (b, input) => define(b.From(input.SharedStream<NexmarkEvent>())));
        return new Scenario(ScenarioName,
        [
            Tenant(0, e => NexmarkQueries.Q1(e).To(sinks.Q1)),
            Tenant(1, e => NexmarkQueries.Q8(e, parallelism).To(sinks.Q8)),
            Tenant(2, e => NexmarkQueries.Q5(e, parallelism).To(sinks.Q5)),
            Tenant(3, e => NexmarkQueries.Q7(e).To(sinks.Q7)),
        ], [], DefaultSeconds)
        {
            Shared = shared,
            // Events arrive as they happen: the bulk tenants read the same stream as the tight ones.
            BulkBurstPeriod = null,
        };
    }
}

/// <summary>A NEXMark event as a JSON line, with its place in the stream and its due time (Unix ms), as the multi-tenant mix's source hands it out.</summary>
/// <param name="Utf8">The line, UTF-8 (shared by every cycle of the pool: not to be written to).</param>
/// <param name="Index">The event's index in the stream.</param>
/// <param name="DueMs">When it is due (its event time).</param>
public readonly record struct NexmarkLine(byte[] Utf8, long Index, long DueMs)
{
    /// <summary>The line as text, with its place (dead letters show it).</summary>
    public override string ToString() => $"#{Index} due {DueMs}: {System.Text.Encoding.UTF8.GetString(Utf8)}";
}

/// <summary>
/// The multi-tenant mix's input: the generator's first <see cref="DefaultPoolSize"/> events serialized once
/// to JSON lines, handed out in a cycle, so the source costs a struct per event rather than a
/// serialization and keeps up with any rate the workers can parse. Parsing places each pooled event
/// at its index in the endless stream: person and auction ids shifted past those of the earlier
/// cycles (so ids never repeat and bids refer to the cycle's own recent people and auctions), and
/// its event time set to its due time (an auction's expiry keeps its distance).
/// </summary>
public sealed class NexmarkLines
{
    /// <summary>Events serialized once by default, a multiple of NEXMark's 50-event proportions.</summary>
    public const int DefaultPoolSize = 100_000;

    private static readonly Dictionary<int, NexmarkLines> BySeed = [];

    private readonly byte[][] _pool;
    private readonly long _personsPerCycle, _auctionsPerCycle;

    /// <summary>The lines of the generator with seed <paramref name="seed"/>, <paramref name="poolSize"/> of them serialized.</summary>
    /// <exception cref="ArgumentException"><paramref name="poolSize"/> is not a positive multiple of 50.</exception>
    public NexmarkLines(int seed, int poolSize = DefaultPoolSize)
    {
        if (poolSize <= 0 || poolSize % NexmarkGenerator.TotalProportion != 0)
            throw new ArgumentException($"The pool holds whole groups of {NexmarkGenerator.TotalProportion} events (was {poolSize}).", nameof(poolSize));
        var generator = new NexmarkGenerator(seed);
        _pool = new byte[poolSize][];
        for (int i = 0; i < poolSize; i++) _pool[i] = NexmarkJson.SerializeToUtf8Bytes(generator.Event(i));
        _personsPerCycle = poolSize / NexmarkGenerator.TotalProportion * NexmarkGenerator.PersonProportion;
        _auctionsPerCycle = poolSize / NexmarkGenerator.TotalProportion * NexmarkGenerator.AuctionProportion;
    }

    /// <summary>Events serialized (the cycle's length).</summary>
    public int PoolSize => _pool.Length;

    /// <summary>The lines of seed <paramref name="seed"/>, serialized once per process (every run of a bench reads the same).</summary>
    public static NexmarkLines For(int seed)
    {
        lock (BySeed)
        {
            if (!BySeed.TryGetValue(seed, out var lines)) BySeed[seed] = lines = new NexmarkLines(seed);
            return lines;
        }
    }

    /// <summary>Event <paramref name="index"/> as a line due at <paramref name="dueMs"/> (the source's factory).</summary>
    public NexmarkLine Line(long index, long dueMs) => new(_pool[index % _pool.Length], index, dueMs);

    /// <summary>Parses a line and places the event at its index and due time (the fields are moved before the event is built).</summary>
    /// <exception cref="System.Text.Json.JsonException">The line is not a NEXMark event.</exception>
    public NexmarkEvent Parse(NexmarkLine line)
    {
        long cycle = line.Index / _pool.Length;
        long persons = cycle * _personsPerCycle, auctions = cycle * _auctionsPerCycle;
        var f = NexmarkJson.Read(line.Utf8);
        switch (f.Type)
        {
            case "bid":
                f.Auction += auctions;
                f.Bidder += persons;
                break;
            case "auction":
                f.Id += auctions;
                f.Seller += persons;
                f.Expires = line.DueMs + (f.Expires - f.DateTime);
                break;
            case "person":
                f.Id += persons;
                break;
        }
        f.DateTime = line.DueMs;
        return f.ToEvent();
    }

    /// <summary>Event <paramref name="index"/> due at <paramref name="dueMs"/>, as the parse makes it.</summary>
    public NexmarkEvent Event(long index, long dueMs) => Parse(Line(index, dueMs));
}
