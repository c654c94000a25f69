using Cameo.Checkpoints;

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

    /// <summary>The parameters of a query definition that runs on this layout (<see cref="ChaosCountsDefinition"/>): <c>redis</c> and <c>prefix</c>.</summary>
    public IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string> { ["redis"] = Redis, ["prefix"] = Prefix };

    /// <summary>The layout of a query definition's <paramref name="parameters"/> (no directory: its sinks are Redis streams).</summary>
    /// <exception cref="ArgumentException">A parameter is missing.</exception>
    public static ChaosLayout Of(IReadOnlyDictionary<string, string> parameters) =>
        new(parameters.GetValueOrDefault("redis") ?? throw new ArgumentException("parameter 'redis' (host:port) is missing"),
            parameters.GetValueOrDefault("prefix") ?? throw new ArgumentException("parameter 'prefix' is missing"), "");
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
    /// <summary>Runs both queries until their inputs' end markers; throws if one failed.</summary>
    public static async Task RunAsync(ChaosLayout layout, TimeSpan checkpointInterval, TextWriter report, CancellationToken cancellationToken)
    {
        var options = new EngineOptions
        {
            Workers = 2,
            Checkpoints = new CheckpointOptions { Store = new DirectoryStateStore(layout.State), Interval = checkpointInterval },
        };
        await using var engine = new CameoEngine(options);
        engine.AddQuery(ChaosLayout.Counts, ChaosQueries.LatencyTarget, q => ChaosQueries.Counts(q, layout, file: true));
        engine.AddQuery(ChaosLayout.Joins, ChaosQueries.LatencyTarget, q => ChaosQueries.Joins(q, layout, file: true));

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
}
