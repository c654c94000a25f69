using Cameo.Operators;
using Microsoft.Extensions.Logging;

namespace Cameo.Execution;

/// <summary>What a query logs, with stable event ids and structured fields.</summary>
public static partial class QueryLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Query {Query} failed in {Operator}; other queries keep running")]
    public static partial void QueryFailed(ILogger logger, Exception error, string query, string @operator);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Query {Query} could not read {Source} line {Line}: {Error}")]
    public static partial void DeadLetter(ILogger logger, string query, string source, long line, string error);

    /// <summary>Logs <paramref name="letter"/> unless the query has already logged many (all are kept in its metrics).</summary>
    public static void DeadLetter(QueryContext query, DeadLetter letter, int keptSoFar)
    {
        if (keptSoFar <= 10 || keptSoFar % 1000 == 0)
            DeadLetter(query.Logger, query.Name, letter.Source, letter.LineNumber, letter.Error);
    }
}
