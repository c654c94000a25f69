using Microsoft.Extensions.Logging;

namespace Cameo.Hosting;

/// <summary>What the hosted engine logs, with stable event ids and structured fields.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Cameo started {Queries} queries on the {Runtime} runtime ({Workers} workers, policy {Policy})")]
    public static partial void Started(ILogger logger, int queries, string runtime, int workers, string policy);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Query {Query} completed")]
    public static partial void QueryCompleted(ILogger logger, string query);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Cameo stopping: draining {Queries} queries for up to {DrainSeconds} s")]
    public static partial void Stopping(ILogger logger, int queries, double drainSeconds);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Cameo stopped: every query drained")]
    public static partial void Drained(ILogger logger);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Cameo stopped without draining query {Query}: its in-flight work was dropped")]
    public static partial void NotDrained(ILogger logger, string query);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Cameo's drain was cut short by the host's shutdown timeout")]
    public static partial void DrainCancelled(ILogger logger);
}
