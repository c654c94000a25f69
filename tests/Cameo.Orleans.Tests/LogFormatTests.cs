using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cameo.Orleans.Tests;

/// <summary>Silo logs: one line per warning, exceptions summarized; errors keep their stack trace.</summary>
public sealed class LogFormatTests
{
    private static string Format(LogLevel level, Exception? exception)
    {
        var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "Orleans.Runtime.Messaging.Connection", new EventId(1), "Exception while processing messages from remote endpoint 127.0.0.1:5\nsecond line",
            exception, (state, _) => state);
        new CompactConsoleFormatter().Write(entry, null, writer);
        return writer.ToString();
    }

    private static Exception Thrown()
    {
        try
        {
            try { throw new IOException("Connection reset by peer"); }
            catch (IOException inner) { throw new InvalidOperationException("Connection lost", inner); }
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }

    [Fact]
    public void A_warning_with_an_exception_is_one_line_naming_each_exception()
    {
        string text = Format(LogLevel.Warning, Thrown());
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("warn Orleans.Runtime.Messaging.Connection: Exception while processing messages from remote endpoint 127.0.0.1:5 second line", text);
        Assert.Contains("(InvalidOperationException: Connection lost; IOException: Connection reset by peer)", text);
        Assert.DoesNotContain(" at ", text);
    }

    [Fact]
    public void An_error_keeps_its_stack_trace()
    {
        string text = Format(LogLevel.Error, Thrown());
        Assert.True(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length > 2, text);
        Assert.Contains(nameof(Thrown), text);
    }
}
