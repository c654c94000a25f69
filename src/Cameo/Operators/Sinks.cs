using System.Text.Json;
using System.Threading.Channels;

namespace Cameo.Operators;

/// <summary>Where a query's results go. Subclass to add a connector.</summary>
public abstract class Sink<T>
{
    public abstract string Description { get; }

    /// <summary>Opens the writer of sink instance <paramref name="instance"/>.</summary>
    public abstract SinkWriter<T> Open(int instance);
}

/// <summary>Writes results. Called by one thread at a time; must not block for long.</summary>
public abstract class SinkWriter<T>
{
    public abstract void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps);

    /// <summary>
    /// Writes results whose earliest input arrived at physical time <paramref name="arrival"/>
    /// (ticks); a writer that passes records on to another query keeps it. By default <see cref="Write(ReadOnlySpan{T}, ReadOnlySpan{long})"/>.
    /// </summary>
    public virtual void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, long arrival) => Write(items, timestamps);

    /// <summary>The query has ended; flush and close.</summary>
    public virtual void Complete() { }

    /// <summary>
    /// The query failed, or did not drain in time: no more results will come. Close without
    /// waiting for them; by default what was written is flushed (<see cref="Complete"/>).
    /// </summary>
    public virtual void Abort(Exception error) => Complete();
}

/// <summary>Calls a delegate for each result.</summary>
public sealed class CallbackSink<T>(Action<T> action) : Sink<T>
{
    public override string Description => "callback";

    public override SinkWriter<T> Open(int instance) => new Writer(action);

    private sealed class Writer(Action<T> action) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            foreach (var item in items) action(item);
        }
    }
}

/// <summary>Writes results to a channel, and completes it when the query ends (with the query's error if it fails).</summary>
public sealed class ChannelSink<T>(ChannelWriter<T> writer) : Sink<T>
{
    private int _open;

    public override string Description => "channel";

    public override SinkWriter<T> Open(int instance)
    {
        Interlocked.Increment(ref _open);
        return new Writer(this, writer);
    }

    private sealed class Writer(ChannelSink<T> owner, ChannelWriter<T> writer) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            foreach (var item in items)
                if (!writer.TryWrite(item))
                    throw new InvalidOperationException("The sink's channel refused a result: it is completed or bounded and full. Use an unbounded channel.");
        }

        public override void Complete()
        {
            if (Interlocked.Decrement(ref owner._open) == 0) writer.TryComplete();
        }

        /// <summary>Completes the channel with the error at once: its reader sees the failure instead of waiting for the other instances.</summary>
        public override void Abort(Exception error) => writer.TryComplete(error);
    }
}

/// <summary>Appends results to a JSON-lines file, one JSON object per line; flushed and closed when the query ends, fails or is abandoned.</summary>
public sealed class JsonLinesSink<T>(string path, JsonSerializerOptions? options) : Sink<T>
{
    public override string Description => $"JSON-lines file '{path}'";

    public override SinkWriter<T> Open(int instance) =>
        new Writer(new StreamWriter(instance == 0 ? path : $"{path}.{instance}", append: false), options);

    private sealed class Writer(StreamWriter writer, JsonSerializerOptions? options) : SinkWriter<T>
    {
        public override void Write(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps)
        {
            foreach (var item in items) writer.WriteLine(JsonSerializer.Serialize(item, options));
        }

        public override void Complete() => writer.Dispose();
    }
}
