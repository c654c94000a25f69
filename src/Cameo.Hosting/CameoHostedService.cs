using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cameo.Hosting;

/// <summary>
/// Starts the host's <see cref="CameoEngine"/> with the host, and stops it with the host: sources stop,
/// and what is in flight drains for up to <see cref="EngineOptions.DrainTimeout"/> (or until the
/// host's own shutdown timeout). Query failures and completions are logged; a failed query does not
/// stop the host (read its <see cref="QueryHandle.Completion"/>).
/// </summary>
internal sealed class CameoHostedService(CameoEngine engine, IOptions<EngineOptions> options, ILogger<CameoHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.Start();
        var queries = engine.Queries;
        foreach (var query in queries)
            _ = query.Completion.ContinueWith(t =>
            {
                // Failures are logged by the query itself (QueryLog.QueryFailed, through EngineOptions.LoggerFactory).
                if (t.IsCompletedSuccessfully) HostingLog.QueryCompleted(logger, query.Name);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        HostingLog.Started(logger, queries.Count, engine.Runtime.Name, engine.Workers, engine.Policy.Name);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var drain = options.Value.DrainTimeout;
        var queries = engine.Queries;
        HostingLog.Stopping(logger, queries.Count, drain.TotalSeconds);
        try
        {
            await engine.StopAsync(drain).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            HostingLog.DrainCancelled(logger);
        }
        bool drained = true;
        foreach (var query in queries)
        {
            if (query.Completion.IsCompleted) continue;
            drained = false;
            HostingLog.NotDrained(logger, query.Name);
        }
        if (drained) HostingLog.Drained(logger);
    }
}
