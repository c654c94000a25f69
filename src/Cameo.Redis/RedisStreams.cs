using Cameo.Operators;
using StackExchange.Redis;

namespace Cameo.Redis;

/// <summary>
/// Redis Streams connectors: <c>Source.RedisStream&lt;T&gt;(...)</c> and <c>Sink.RedisStream&lt;T&gt;(...)</c>
/// (with <c>using Cameo.Redis;</c>).
/// </summary>
public static class RedisStreams
{
    extension(Source)
    {
        /// <summary>
        /// Reads <paramref name="stream"/> on the server <paramref name="configuration"/> (a
        /// StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>) in a consumer
        /// group; each record is JSON in the entry's <c>data</c> field unless configured otherwise.
        /// </summary>
        public static Source<T> RedisStream<T>(string configuration, string stream, Action<RedisStreamSourceOptions<T>>? configure = null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
            ArgumentException.ThrowIfNullOrWhiteSpace(stream);
            var options = new RedisStreamSourceOptions<T>();
            configure?.Invoke(options);
            options.Validate();
            return new RedisStreamSource<T>(configuration, stream, options);
        }
    }

    extension(Sink)
    {
        /// <summary>
        /// Appends each result to <paramref name="stream"/> on the server <paramref name="configuration"/>,
        /// as JSON in the field <c>data</c> unless configured otherwise.
        /// </summary>
        public static Sink<T> RedisStream<T>(string configuration, string stream, Action<RedisStreamSinkOptions<T>>? configure = null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
            ArgumentException.ThrowIfNullOrWhiteSpace(stream);
            var options = new RedisStreamSinkOptions<T>();
            configure?.Invoke(options);
            options.Validate();
            return new RedisStreamSink<T>(configuration, stream, options);
        }
    }

    /// <summary>The time part of a stream entry id (<c>&lt;ms&gt;-&lt;seq&gt;</c>), Unix milliseconds: the time the server added the entry.</summary>
    public static long TimeOf(RedisValue id)
    {
        var text = id.ToString();
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        return long.Parse(dash < 0 ? text : text[..dash], System.Globalization.CultureInfo.InvariantCulture);
    }
}
