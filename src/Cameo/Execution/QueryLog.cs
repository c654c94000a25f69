using Cameo.Operators;
using Microsoft.Extensions.Logging;

namespace Cameo.Execution;

/// <summary>What a query logs, with stable event ids and structured fields.</summary>
public static partial class QueryLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Query {Query} failed in {Operator}; other queries keep running")]
    public static partial void QueryFailed(ILogger logger, Exception error, string query, string @operator);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Query {Query} could not read {Source} line {Line}{Position}: {Error} ({Count} so far)")]
    public static partial void DeadLetter(ILogger logger, string query, string source, long line, string position, string error, long count);

    /// <summary>Logs <paramref name="letter"/>: the first ten of a query, then one in a thousand (all are counted in its metrics).</summary>
    public static void DeadLetter(QueryContext query, DeadLetter letter, long countSoFar)
    {
        if (countSoFar <= 10 || countSoFar % 1000 == 0)
            DeadLetter(query.Logger, query.Name, letter.Source, letter.LineNumber, letter.Position is null ? "" : $" (at {letter.Position})", letter.Error, countSoFar);
    }
}
