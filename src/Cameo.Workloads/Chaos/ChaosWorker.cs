using System.Text.Json;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Redis;
using Cameo.Time;

namespace Cameo.Workloads.Chaos;

/// <summary>Where a chaos run keeps its streams, files and checkpoints: shared by the parent and every worker.</summary>
/// <param name="Redis">The Redis server (host:port).</param>
/// <param name="Prefix">Prefix of every key of the run, unique per run.</param>
/// <param name="Directory">Where the JSON-lines outputs and the checkpoints go.</param>
public sealed record ChaosLayout(string Redis, string Prefix, string Directory)
{
    /// <summary>The input stream of <paramref name="side"/>.</summary>
    public string Input(ChaosSide side) => $"{Prefix}:in:{side.ToString().ToLowerInvariant()}";

    /// <summary>The Redis output stream of a query.</summary>
    public string RedisOutput(string query) => $"{Prefix}:out:{query}";

    /// <summary>The JSON-lines output file of a query.</summary>
    public string FileOutput(string query) => Path.Combine(Directory, $"{query}.jsonl");

    /// <summary>The directory state store.</summary>
    public string State => Path.Combine(Directory, "state");

    /// <summary>The field of an entry that marks the end of its stream's input.</summary>
    public const string EndField = "end";

    /// <summary>The windowed count query (and its output's name).</summary>
    public const string Counts = "counts";

    /// <summary>The join query (and its output's name).</summary>
    public const string Joins = "joins";
}

/// <summary>
/// The process that <c>cameo chaos crash</c> kills and restarts (<c>cameo chaos worker</c>): one
/// engine checkpointing to <see cref="ChaosLayout.State"/> and resuming from it, with two queries
/// reading the Redis input streams up to their end markers: a windowed count of clicks per key,
/// and a window join of clicks with views on the key, each written both to a Redis stream and to
/// a JSON-lines file (the two exactly-once sinks). It reports one line
/// per event: <c>emitting</c> once its sinks got their first result, <c>checkpoint N</c> as
/// checkpoints complete, <c>done</c> when both queries ended.
/// </summary>
public static class ChaosWorker
{
    /// <summary>The end-of-input record, standing for an entry with the field <see cref="ChaosLayout.EndField"/>.</summary>
    private static readonly ChaosEvent EndMarker = new(-1, 0, 0);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs both queries until their inputs' end markers; throws if one failed.</summary>
    public static async Task RunAsync(ChaosLayout layout, TimeSpan checkpointInterval, TextWriter report, CancellationToken cancellationToken)
    {
        var options = new EngineOptions
        {
            Workers = 2,
            Checkpoints = new CheckpointOptions { Store = new DirectoryStateStore(layout.State), Interval = checkpointInterval },
        };
        await using var engine = new CameoEngine(options);
        var target = TimeSpan.FromSeconds(1);
        var window = WindowSpec.Tumbling(TimeSpan.FromMilliseconds(ChaosInput.WindowMs));
        var bound = TimeSpan.FromMilliseconds(ChaosInput.BoundMs);

        engine.AddQuery(ChaosLayout.Counts, target, q =>
        {
            var counts = q.From(Input(layout, ChaosSide.Clicks, ChaosLayout.Counts))
                .WithEventTime(e => e.TimeMs, bound)
                .KeyBy(e => e.Key)
                .Window(window)
                .Count()
                .WithParallelism(2);
            counts.To(Output<WindowResult<int, long>>(layout, ChaosLayout.Counts));
            counts.To(Sink.JsonLines<WindowResult<int, long>>(layout.FileOutput(ChaosLayout.Counts)));
        });
        engine.AddQuery(ChaosLayout.Joins, target, q =>
        {
            var views = q.From(Input(layout, ChaosSide.Views, ChaosLayout.Joins)).WithEventTime(e => e.TimeMs, bound);
            var pairs = q.From(Input(layout, ChaosSide.Clicks, ChaosLayout.Joins))
                .WithEventTime(e => e.TimeMs, bound)
                .Join(views, c => c.Key, v => v.Key, window, (c, v) => new ChaosPair(c.Id, v.Id))
                .WithParallelism(2);
            pairs.To(Output<ChaosPair>(layout, ChaosLayout.Joins));
            pairs.To(Sink.JsonLines<ChaosPair>(layout.FileOutput(ChaosLayout.Joins)));
        });

        var run = engine.RunAsync(cancellationToken);
        bool emitting = false;
        long checkpoint = 0;
        while (true)
        {
            bool ended = await Task.WhenAny(run, Task.Delay(10, CancellationToken.None)).ConfigureAwait(false) == run;
            var queries = engine.Queries;
            if (!emitting && queries.Any(h => h.Stats.Outputs > 0))
            {
                emitting = true;
                await report.WriteLineAsync("emitting").ConfigureAwait(false);
            }
            long completed = queries.Min(h => h.LastCheckpoint);
            if (completed > checkpoint)
            {
                checkpoint = completed;
                await report.WriteLineAsync($"checkpoint {checkpoint}").ConfigureAwait(false);
            }
            if (ended) break;
        }
        await run.ConfigureAwait(false);
        await report.WriteLineAsync("done").ConfigureAwait(false);
    }

    /// <summary>One stream read by one query's consumer group, up to its end marker.</summary>
    private static EndMarkerSource<ChaosEvent> Input(ChaosLayout layout, ChaosSide side, string query) =>
        new(Source.RedisStream<ChaosEvent>(layout.Redis, layout.Input(side), o =>
        {
            o.Group = query;
            o.Consumer = "worker";
            o.Deserialize = entry => entry[ChaosLayout.EndField].HasValue
                ? EndMarker
                : JsonSerializer.Deserialize<ChaosEvent>((string)entry["data"]!, Json) ?? throw new JsonException("null event");
        }), e => ReferenceEquals(e, EndMarker));

    private static Sink<T> Output<T>(ChaosLayout layout, string query) =>
        Sink.RedisStream<T>(layout.Redis, layout.RedisOutput(query), o =>
        {
            o.Name = query;
            o.CommitMarkerExpiry = TimeSpan.FromDays(1);
        });
}
