using System.Diagnostics;
using System.Text.Json;
using Cameo.Redis;
using Cameo.Workloads.Bench;
using StackExchange.Redis;

namespace Cameo.Workloads.Durability;

/// <summary>One entry of the durability benches' streams: JSON in the field <c>data</c>.</summary>
/// <param name="Id">Unique in its stream, from 0.</param>
/// <param name="Key">What windowed queries group by.</param>
/// <param name="TimeMs">Event time, Unix ms.</param>
public sealed record StreamEvent(long Id, int Key, long TimeMs)
{
    /// <summary>How the benches write and read it (web defaults, as the Redis connectors').</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The entry's <c>data</c> field.</summary>
    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads what <see cref="ToUtf8"/> wrote.</summary>
    public static StreamEvent Parse(ReadOnlySpan<byte> utf8) => JsonSerializer.Deserialize<StreamEvent>(utf8, Json) ?? throw new JsonException("null event");
}

/// <summary>What <c>cameo bench redis-source</c> runs.</summary>
/// <param name="Events">Entries preloaded into the stream; each round reads them all.</param>
/// <param name="Redis">An existing server (host:port), or null to start a <c>redis-server</c> child process.</param>
/// <param name="Rounds">Rounds; each runs the plain loop and the Cameo query once, in alternating order.</param>
/// <param name="ReadCount">Entries per <c>XREADGROUP ... COUNT</c>, for both readers.</param>
/// <param name="Workers">The engine's worker threads.</param>
public sealed record RedisSourceBenchSettings(int Events, string? Redis, int Rounds, int ReadCount, int Workers)
{
    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem() =>
        Events < 1 ? "--events must be at least 1."
        : Rounds < 1 ? "--repeat must be at least 1."
        : ReadCount < 1 ? "--read-count must be at least 1."
        : Workers < 1 ? "--workers must be at least 1."
        : null;
}

/// <summary>One read of the whole stream by one reader.</summary>
/// <param name="Round">1-based.</param>
/// <param name="Reader"><see cref="RedisSourceBench.Loop"/> or <see cref="RedisSourceBench.Cameo"/>.</param>
/// <param name="Seconds">From the first read to the last acknowledgement.</param>
/// <param name="EventsPerSecond">Events / seconds.</param>
/// <param name="Received">Events that reached the end (the loop's parser, the query's sink).</param>
/// <param name="Duplicated">Events received more than once.</param>
public sealed record RedisSourceRun(int Round, string Reader, double Seconds, double EventsPerSecond, long Received, long Duplicated);

/// <summary>The outcome of <c>cameo bench redis-source</c>; serialized as results.json.</summary>
/// <param name="Events">Entries in the stream.</param>
/// <param name="ReadCount">Entries per read.</param>
/// <param name="LoopEventsPerSecond">The plain loop's median over the rounds.</param>
/// <param name="CameoEventsPerSecond">The query's median over the rounds.</param>
/// <param name="Ratio">Cameo / loop.</param>
/// <param name="Exact">Every run received every event exactly once.</param>
/// <param name="Runs">Every run, in order.</param>
public sealed record RedisSourceBenchResult(int Events, int ReadCount, double LoopEventsPerSecond, double CameoEventsPerSecond, double Ratio, bool Exact, IReadOnlyList<RedisSourceRun> Runs)
{
    /// <summary>The target: the source reaches at least this share of the plain loop.</summary>
    public const double TargetRatio = 0.7;

    /// <summary>The verdicts: the ratio against <see cref="TargetRatio"/>, and exactly-once delivery.</summary>
    public IReadOnlyList<Verdict> Verdicts() =>
    [
        new($"Redis source into a stateless query: {CameoEventsPerSecond:N0} events/s, {Format.Pct(Ratio)} of a plain StackExchange.Redis XREADGROUP loop ({LoopEventsPerSecond:N0} events/s; target at least {Format.Pct(TargetRatio)})", Ratio >= TargetRatio),
        new($"every event received exactly once in every run ({Runs.Count} runs of {Events:N0} events)", Exact),
    ];
}

/// <summary>
/// <c>cameo bench redis-source</c>: preloads a stream (pipelined <c>XADD</c>), then in interleaved
/// rounds reads all of it with a consumer group of its own per run: a plain StackExchange.Redis loop
/// (the practical limit: <c>XREADGROUP ... COUNT</c> with the next read in flight, the same JSON
/// parsed from the same field, each batch acknowledged with one pipelined <c>XACK</c>) against Cameo's
/// <c>Source.RedisStream</c> into a stateless query and a counting sink (ending at the end of the
/// stream, acknowledging at the query's end). Both count every event id, so a lost or duplicated
/// event shows.
/// </summary>
public static class RedisSourceBench
{
    /// <summary>The plain loop's name in results.</summary>
    public const string Loop = "plain loop";

    /// <summary>The Cameo query's name in results.</summary>
    public const string Cameo = "cameo";

    /// <summary>Runs the bench; <paramref name="log"/> gets a line per run.</summary>
    public static async Task<RedisSourceBenchResult> RunAsync(RedisSourceBenchSettings settings, Action<string> log, CancellationToken cancellationToken)
    {
        if (settings.Problem() is { } problem) throw new ArgumentException(problem, nameof(settings));
        await using var owned = settings.Redis is null ? await RedisServerProcess.StartAsync(cancellationToken).ConfigureAwait(false) : null;
        string endpoint = settings.Redis ?? owned!.Endpoint;
        if (owned is not null) log($"started redis-server on {endpoint}");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint).ConfigureAwait(false);
        var db = redis.GetDatabase();
        string stream = $"cameo-bench:redis-source:{Guid.NewGuid():N}";
        try
        {
            var clock = Stopwatch.StartNew();
            await PreloadAsync(db, stream, settings.Events).ConfigureAwait(false);
            log($"preloaded {settings.Events:N0} entries in {clock.Elapsed.TotalSeconds:0.00} s");
            var runs = new List<RedisSourceRun>();
            for (int round = 1; round <= settings.Rounds; round++)
            {
                // Alternating order, so that neither reader always runs on a warmer (or more fragmented) process.
                foreach (bool cameo in round % 2 == 1 ? new[] { false, true } : [true, false])
                {
                    string group = $"{(cameo ? "cameo" : "loop")}-{round}";
                    var seen = new EventTally(settings.Events);
                    var started = Stopwatch.StartNew();
                    if (cameo) await ReadWithCameoAsync(endpoint, stream, group, settings, seen, cancellationToken).ConfigureAwait(false);
                    else await ReadWithLoopAsync(db, stream, group, settings.ReadCount, seen).ConfigureAwait(false);
                    double seconds = started.Elapsed.TotalSeconds;
                    await db.StreamDeleteConsumerGroupAsync(stream, group).ConfigureAwait(false);
                    var run = new RedisSourceRun(round, cameo ? Cameo : Loop, Math.Round(seconds, 4), Math.Round(settings.Events / seconds, 1), seen.Received, seen.Duplicated);
                    runs.Add(run);
                    log($"round {round}: {run.Reader,-10} {run.EventsPerSecond,12:N0} events/s ({seconds:0.000} s, {seen.Received:N0} received, {seen.Duplicated:N0} duplicated)");
                }
            }
            double loop = Median(runs.Where(r => r.Reader == Loop).Select(r => r.EventsPerSecond));
            double engine = Median(runs.Where(r => r.Reader == Cameo).Select(r => r.EventsPerSecond));
            bool exact = runs.All(r => r.Received == settings.Events && r.Duplicated == 0);
            return new RedisSourceBenchResult(settings.Events, settings.ReadCount, loop, engine, Math.Round(engine / loop, 4), exact, runs);
        }
        finally
        {
            await db.KeyDeleteAsync(stream).ConfigureAwait(false);
        }
    }

    /// <summary>Appends <paramref name="events"/> entries, pipelined a thousand at a time.</summary>
    public static async Task PreloadAsync(IDatabase db, string stream, int events)
    {
        const int Pipeline = 1000;
        var sent = new List<Task>(Pipeline);
        for (int i = 0; i < events; i++)
        {
            var e = new StreamEvent(i, i % 1000, 1_700_000_000_000 + i);
            sent.Add(db.StreamAddAsync(stream, "data", e.ToUtf8()));
            if (sent.Count == Pipeline)
            {
                await Task.WhenAll(sent).ConfigureAwait(false);
                sent.Clear();
            }
        }
        await Task.WhenAll(sent).ConfigureAwait(false);
    }

    /// <summary>
    /// The plain loop: creates the group at the stream's start, reads with the next read in flight,
    /// parses each entry's <c>data</c>, and acknowledges each batch with one <c>XACK</c> sent without
    /// waiting (all awaited at the end), until a read finds nothing.
    /// </summary>
    public static async Task ReadWithLoopAsync(IDatabase db, string stream, string group, int readCount, EventTally seen)
    {
        await db.StreamCreateConsumerGroupAsync(stream, group, "0", createStream: false).ConfigureAwait(false);
        var acks = new List<Task>();
        var next = db.StreamReadGroupAsync(stream, group, "loop", StreamPosition.NewMessages, readCount);
        while (true)
        {
            var entries = await next.ConfigureAwait(false);
            if (entries.Length == 0) break;
            next = db.StreamReadGroupAsync(stream, group, "loop", StreamPosition.NewMessages, readCount);
            var ids = new RedisValue[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                ids[i] = entries[i].Id;
                seen.Add(StreamEvent.Parse(((ReadOnlyMemory<byte>)entries[i]["data"]).Span).Id);
            }
            acks.Add(db.StreamAcknowledgeAsync(stream, group, ids));
        }
        await Task.WhenAll(acks).ConfigureAwait(false);
    }

    /// <summary>Cameo's source in a group of its own at the stream's start, through a <c>Where</c>, into a sink counting ids; ends at the stream's end.</summary>
    public static async Task ReadWithCameoAsync(string endpoint, string stream, string group, RedisSourceBenchSettings settings, EventTally seen, CancellationToken cancellationToken)
    {
        await using var engine = new CameoEngine(new EngineOptions { Workers = settings.Workers });
        engine.AddQuery("redis-source", TimeSpan.FromSeconds(1), q => q
            .From(Source.RedisStream<StreamEvent>(endpoint, stream, o =>
            {
                o.Group = group;
                o.ReadCount = settings.ReadCount;
                o.StopWhenEmpty = true;
            }))
            .Where(e => e.Id >= 0)
            .To(e => seen.Add(e.Id)));
        await engine.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>Counts event ids 0..n-1 as they arrive, and how many arrived more than once. One writer at a time.</summary>
public sealed class EventTally(int events)
{
    private readonly bool[] _seen = new bool[events];

    /// <summary>Arrivals, duplicates included.</summary>
    public long Received { get; private set; }

    /// <summary>Arrivals of an id seen before (or out of range).</summary>
    public long Duplicated { get; private set; }

    /// <summary>Records the arrival of <paramref name="id"/>.</summary>
    public void Add(long id)
    {
        Received++;
        if ((ulong)id >= (ulong)_seen.Length || _seen[id]) Duplicated++;
        else _seen[id] = true;
    }
}
