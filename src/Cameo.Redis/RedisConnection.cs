using StackExchange.Redis;

namespace Cameo.Redis;

/// <summary>How a Redis connector retries when the server does not answer.</summary>
public sealed class RedisRetryOptions
{
    /// <summary>Attempts of one operation before the query fails (the first try included). Default 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait after the first failed attempt; each later wait doubles it. Default 100 ms.</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two attempts. Default 5 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "At least one attempt is needed.");
        if (FirstDelay < TimeSpan.Zero || MaxDelay < FirstDelay) throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "Delays must be non-negative, the longest at least the first.");
    }
}

/// <summary>A Redis connector gave up: the server did not answer within its retries.</summary>
public sealed class RedisStreamException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One connector instance's connection: opened on first use (commands fail at once while it is
/// down, and <see cref="RunAsync{TResult}"/> retries them with exponential backoff), closed with the
/// instance unless the user supplied it.
/// </summary>
internal sealed class RedisConnection(string configuration, IConnectionMultiplexer? shared, RedisRetryOptions retry, string stream) : IAsyncDisposable
{
    private readonly bool _owned = shared is null;
    private IConnectionMultiplexer? _connection = shared;
    private Task<IDatabase>? _connecting;

    /// <summary>The server, as errors name it.</summary>
    public string Endpoint => _owned ? configuration : _connection?.Configuration ?? configuration;

    /// <summary>The database, once connected (null before).</summary>
    public IDatabase? Database { get; private set; }

    /// <summary>
    /// Connects once, whoever asks first (a reader's read and a checkpoint's acknowledgement may
    /// race); commands fail at once while the link is down and are retried by <see cref="RunAsync{TResult}"/>.
    /// </summary>
    private async Task<IDatabase> ConnectAsync()
    {
        var connecting = _connecting;
        if (connecting is null)
        {
            var mine = new TaskCompletionSource<IDatabase>(TaskCreationOptions.RunContinuationsAsynchronously);
            connecting = Interlocked.CompareExchange(ref _connecting, mine.Task, null) ?? mine.Task;
            if (connecting == mine.Task)
            {
                try
                {
                    if (_connection is null)
                    {
                        var options = ConfigurationOptions.Parse(configuration);
                        options.AbortOnConnectFail = false;
                        options.BacklogPolicy = BacklogPolicy.FailFast;
                        _connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
                    }
                    mine.SetResult(Database = _connection.GetDatabase());
                }
                catch (Exception ex)
                {
                    _connecting = null; // the next attempt connects afresh
                    mine.SetException(ex);
                }
            }
        }
        return await connecting.ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="operation"/>, connecting first if needed; retries connection failures and timeouts, then fails naming the stream and the server.</summary>
    public async Task<TResult> RunAsync<TResult>(string what, Func<IDatabase, Task<TResult>> operation, CancellationToken cancellationToken)
    {
        var delay = retry.FirstDelay;
        var started = DateTime.UtcNow;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var db = Database ?? await ConnectAsync().ConfigureAwait(false);
                return await operation(db).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && attempt < retry.MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, retry.MaxDelay.Ticks));
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                throw new RedisStreamException(
                    $"Redis stream '{stream}' at {Endpoint}: {what} failed {attempt} times over {(DateTime.UtcNow - started).TotalSeconds:0.#} s; giving up: {ex.Message}", ex);
            }
        }
    }

    /// <inheritdoc cref="RunAsync{TResult}"/>
    public Task RunAsync(string what, Func<IDatabase, Task> operation, CancellationToken cancellationToken) =>
        RunAsync(what, async db => { await operation(db).ConfigureAwait(false); return true; }, cancellationToken);

    private static bool IsTransient(Exception ex) => ex is RedisConnectionException or RedisTimeoutException or TimeoutException or System.Net.Sockets.SocketException;

    public async ValueTask DisposeAsync()
    {
        if (_owned && _connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        if (_owned)
        {
            _connection = null;
            Database = null;
            _connecting = null;
        }
    }
}
