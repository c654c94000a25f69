using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Cameo.Runtime;
using Cameo.Tests.Support;

namespace Cameo.Tests.Engine;

/// <summary>A query that fails or does not drain still completes its sinks: files are flushed and closed, channels and async sequences end with the error.</summary>
public sealed class SinkCompletionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cameo-sinks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Yields <paramref name="count"/> numbers, waits until the query's sinks have all of them, then throws.</summary>
    private static async IAsyncEnumerable<int> FailsAfterOutputs(int count, Func<QueryHandle> query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count; i++) yield return i;
        while (query().Stats.Outputs < count) await Task.Delay(1, cancellationToken);
        throw new IOException("the input went away");
    }

    [Fact]
    public async Task A_failed_query_flushes_and_closes_its_json_lines_file()
    {
        string path = Path.Combine(_dir, "out.jsonl");
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        QueryHandle q = null!;
        q = engine.AddQuery("to-file", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(FailsAfterOutputs(100, () => q))).To(Sink.JsonLines<int>(path)));
        await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));

        // Far less than the writer's buffer: without the flush the file would be empty.
        Assert.Equal(Enumerable.Range(0, 100), File.ReadAllLines(path).Select(l => JsonSerializer.Deserialize<int>(l)));
        using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None); // closed by the sink
    }

    [Fact]
    public async Task A_failed_query_ends_its_async_sequence_with_the_error()
    {
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        IAsyncEnumerable<int> results = null!;
        QueryHandle q = null!;
        q = engine.AddQuery("to-sequence", TimeSpan.FromMilliseconds(100), b => results = b
            .From(Source.From(FailsAfterOutputs(50, () => q))).ToAsyncEnumerable());
        engine.Start();

        var got = new List<int>();
        var error = await Assert.ThrowsAsync<QueryFailedException>(async () =>
        {
            await foreach (int x in results.WithCancellation(new CancellationTokenSource(Within.Run).Token)) got.Add(x);
        });
        Assert.Equal("to-sequence", error.Query);
        Assert.Contains("the input went away", error.Message);
        Assert.Equal(Enumerable.Range(0, 50), got);
    }

    [Fact]
    public async Task A_query_that_does_not_drain_in_time_fails_and_completes_its_channel_with_a_timeout()
    {
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        ChannelReader<int> results = null!;
        var q = engine.AddQuery("stuck", TimeSpan.FromMilliseconds(100), b => results = b
            .From(Source.From(Enumerable.Range(0, 100)))
            .Select(x =>
            {
                if (x == 10) { entered.Set(); release.Wait(Within.Run); }
                return x;
            })
            .ToChannel());
        engine.Start();
        Assert.True(entered.Wait(Within.Run));

        var stopping = engine.StopAsync(TimeSpan.FromMilliseconds(100));
        var error = await Assert.ThrowsAsync<QueryFailedException>(() => results.Completion.WaitAsync(Within.Run));
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Contains("did not drain", error.Message);
        Assert.Same(error, q.Failure);
        release.Set();
        await stopping.WaitAsync(Within.Run);
    }
}
