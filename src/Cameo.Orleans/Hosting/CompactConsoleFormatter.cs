using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Cameo.Orleans;

/// <summary>
/// Silo logs one line per entry: <c>time level category: message (exception type: message)</c>.
/// Warnings such as a client that disconnected abruptly say what happened without a stack trace;
/// errors and worse keep theirs, on the lines that follow.
/// </summary>
public sealed class CompactConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "cameo-compact";

    public override void Write<TState>(in LogEntry<TState> logEntry, Microsoft.Extensions.Logging.IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(DateTime.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write(": ");
        textWriter.Write(OneLine(message));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" (");
            textWriter.Write(Summary(exception));
            textWriter.Write(')');
            if (logEntry.LogLevel >= LogLevel.Error)
            {
                textWriter.WriteLine();
                textWriter.Write(exception.ToString());
            }
        }
        textWriter.WriteLine();
    }

    /// <summary>"ConnectionResetException: Connection reset by peer; SocketException: ..." for an exception and its inner ones.</summary>
    public static string Summary(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null && parts.Count < 4; e = e.InnerException) parts.Add($"{e.GetType().Name}: {OneLine(e.Message)}");
        return string.Join("; ", parts);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
