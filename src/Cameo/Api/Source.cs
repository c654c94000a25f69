using System.Text.Json;
using Cameo.Operators;

namespace Cameo;

/// <summary>The built-in sources.</summary>
public static class Source
{
    /// <summary>Reads an in-memory sequence as fast as the query takes it; each record arrives when read.</summary>
    public static Source<T> From<T>(IEnumerable<T> items, string name = "items") => new EnumerableSource<T>(items, name);

    /// <summary>Reads an async sequence; each record arrives when it is produced.</summary>
    public static Source<T> From<T>(IAsyncEnumerable<T> items, string name = "async items") => new AsyncEnumerableSource<T>(items, name);

    /// <summary>
    /// Generates records at a steady rate: <paramref name="factory"/> receives the record's index and its
    /// due time (Unix ms). Stops after <paramref name="count"/> records if given.
    /// </summary>
    public static Source<T> Generate<T>(Func<long, long, T> factory, double eventsPerSecond, long? count = null, string name = "generator") =>
        new GeneratorSource<T>(factory, RateSchedule.Constant(eventsPerSecond), count, name);

    /// <summary>Generates records following a rate schedule (for load spikes).</summary>
    public static Source<T> Generate<T>(Func<long, long, T> factory, RateSchedule rate, long? count = null, string name = "generator") =>
        new GeneratorSource<T>(factory, rate, count, name);

    /// <summary>Reads a JSON-lines file; lines that do not parse go to the query's dead letters.</summary>
    public static Source<T> JsonLines<T>(string path, JsonSerializerOptions? options = null) => new JsonLinesSource<T>(path, options ?? JsonOptions);

    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

/// <summary>The built-in sinks.</summary>
public static class Sink
{
    /// <summary>Calls <paramref name="action"/> with each result (from one thread at a time per sink instance).</summary>
    public static Sink<T> Call<T>(Action<T> action) => new CallbackSink<T>(action);

    /// <summary>Writes results to <paramref name="writer"/> and completes it at the end.</summary>
    public static Sink<T> Channel<T>(System.Threading.Channels.ChannelWriter<T> writer) => new ChannelSink<T>(writer);

    /// <summary>Writes results to a JSON-lines file.</summary>
    public static Sink<T> JsonLines<T>(string path, JsonSerializerOptions? options = null) => new JsonLinesSink<T>(path, options ?? Source.JsonOptions);
}
