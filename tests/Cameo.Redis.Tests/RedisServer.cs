using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Cameo.Redis.Tests;

/// <summary>
/// The redis-server the tests use: 127.0.0.1:6379, installed and started by <c>.ci/run</c> (tests
/// never start servers). Each test uses streams of its own (<see cref="NewKey"/>).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string Endpoint = "127.0.0.1:6379";

    private ConnectionMultiplexer? _connection;

    public IDatabase Db => _connection!.GetDatabase();

    public async Task InitializeAsync()
    {
        try
        {
            _connection = await ConnectionMultiplexer.ConnectAsync($"{Endpoint},connectTimeout=2000,abortConnect=true");
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"No redis-server answers on {Endpoint}: the Redis connector tests need one. `.ci/run` installs and starts it; locally run `redis-server --port 6379 --daemonize yes`.", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }

    /// <summary>A key no other test (or run) uses.</summary>
    public static string NewKey(string what) => $"cameo-test:{what}:{Guid.NewGuid():N}";
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "redis";
}

/// <summary>
/// A TCP relay to the test server that can be cut: the connector sees its server go away (every
/// connection dropped, new ones refused) without touching the real server.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _cut = new();
    private readonly Task _accepting;

    public TcpRelay(int targetPort = 6379)
    {
        _listener.Start();
        Endpoint = $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync(targetPort);
    }

    public string Endpoint { get; }

    private async Task AcceptAsync(int targetPort)
    {
        try
        {
            while (!_cut.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_cut.Token);
                var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, targetPort, _cut.Token);
                lock (_open) { _open.Add(client); _open.Add(server); }
                _ = PumpAsync(client.GetStream(), server.GetStream());
                _ = PumpAsync(server.GetStream(), client.GetStream());
            }
        }
        catch (Exception) when (_cut.IsCancellationRequested) { }
        catch (ObjectDisposedException) { }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        try { await from.CopyToAsync(to, _cut.Token); }
        catch (Exception) { /* cut, or a side closed */ }
    }

    /// <summary>Drops every connection and refuses new ones: the server has gone away.</summary>
    public void Cut()
    {
        _cut.Cancel();
        _listener.Stop();
        lock (_open)
        {
            foreach (var c in _open) c.Dispose();
            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        try { await _accepting; } catch (Exception) { }
        _cut.Dispose();
    }
}

/// <summary>A record the tests send through streams.</summary>
public sealed record Reading(int Id, string Sensor, double Value, long TimeMs);
