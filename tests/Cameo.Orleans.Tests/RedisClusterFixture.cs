using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cameo.Orleans.Deployment;
using Microsoft.Extensions.Hosting;

namespace Cameo.Orleans.Tests;

/// <summary>
/// A real cluster of separate processes: a <c>redis-server</c> on 127.0.0.1 (a free port) for
/// membership, two <c>cameo silo --redis</c> processes (the Cameo.Cli build output), and a client.
/// Every process it started is killed on dispose, and on a failed start.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private readonly List<Process> _processes = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new(); // for a failed start
    private IHost? _client;

    public string Redis { get; private set; } = "";

    /// <summary>The silo processes and their silo ports.</summary>
    public List<(Process Process, int SiloPort)> Silos { get; } = [];

    public CameoClient Client => _client!.CameoClient();

    /// <summary>The dashboard the first silo serves (<c>cameo silo --dashboard</c>).</summary>
    public Uri Dashboard { get; private set; } = null!;

    /// <summary>The user query assembly every silo loads (<c>cameo silo --queries</c>): the Cameo.TestQueries build.</summary>
    public static string QueryAssembly => BuildOutput("tests", "Cameo.TestQueries", "Cameo.TestQueries.dll");

    /// <summary>The last status of query <paramref name="key"/> seen before it ended or <paramref name="timeout"/> passed.</summary>
    public async Task<QueryStatus> WaitForEndAsync(string key, TimeSpan timeout)
    {
        QueryStatus last = null!;
        using var cts = new CancellationTokenSource(timeout);
        await foreach (var s in Client.ObserveAsync(key, TimeSpan.FromMilliseconds(200), cts.Token)) last = s;
        return last;
    }

    public async Task InitializeAsync()
    {
        try
        {
            string redisServer = FindRedis();
            int redisPort = LocalCluster.FreePort();
            Redis = $"127.0.0.1:{redisPort}";
            Start(redisServer, $"--port {redisPort} --bind 127.0.0.1 --save \"\" --appendonly no", null);
            await WaitForPortAsync(redisPort, TimeSpan.FromSeconds(10));

            string cli = BuildOutput("src", "Cameo.Cli", "Cameo.Cli.dll");
            var started = new List<Task>();
            for (int i = 0; i < 2; i++)
            {
                int port = LocalCluster.FreePort();
                var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                string dashboard = i == 0 ? $" --dashboard --dashboard-port {LocalCluster.FreePort()}" : "";
                var process = Start("dotnet", $"\"{cli}\" silo --redis {Redis} --port {port} --gateway {LocalCluster.FreePort()} --turns 1 --queries \"{QueryAssembly}\"{dashboard}", line =>
                {
                    if (line.StartsWith("dashboard: ", StringComparison.Ordinal)) Dashboard = new Uri(line["dashboard: ".Length..]);
                    if (line.StartsWith("silo started", StringComparison.Ordinal) && dashboard.Length == 0) ready.TrySetResult();
                    if (line.StartsWith("dashboard: ", StringComparison.Ordinal)) ready.TrySetResult();
                });
                Silos.Add((process, port));
                started.Add(ready.Task.WaitAsync(TimeSpan.FromSeconds(120)));
            }
            try
            {
                await Task.WhenAll(started);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"The silos did not start within 120 s. Their output:{Environment.NewLine}{string.Join(Environment.NewLine, _output)}", ex);
            }
            _client = await ClusterHosting.ConnectAsync(Redis, 0).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            try { await _client.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (Exception) { /* the cluster may be gone */ }
            _client.Dispose();
        }
        foreach (var p in _processes) Kill(p);
    }

    public static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit(5_000);
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
    }

    private Process Start(string file, string arguments, Action<string>? onLine)
    {
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false },
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            _output.Enqueue($"{file}: {e.Data}");
            onLine?.Invoke(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue($"{file} (stderr): {e.Data}"); };
        process.Start();
        _processes.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The redis-server binary; .ci/run installs it (tests never change the machine).</summary>
    private static string FindRedis() =>
        Which("redis-server") ?? throw new InvalidOperationException("redis-server is not installed: .ci/run installs the Debian package redis-server and starts it on 127.0.0.1:6379.");

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? (File.Exists("/usr/bin/" + name) ? "/usr/bin/" + name : null);

    /// <summary>A project's build output of the same configuration as this test assembly (the test project builds it first).</summary>
    private static string BuildOutput(string folder, string project, string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = dir.Parent!.Name; // .../bin/<Configuration>/net10.0/
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cameo.slnx"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException($"Cannot find the repository root above {AppContext.BaseDirectory}.");
        string path = Path.Combine(dir.FullName, folder, project, "bin", configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{project} is not built at {path}.");
    }


    private static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }
        }
    }
}
