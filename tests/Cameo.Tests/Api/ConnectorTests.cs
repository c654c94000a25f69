using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cameo.Runtime;

using Cameo.Tests.Support;

namespace Cameo.Tests.Api;

/// <summary>The built-in sources and sinks, on real files and real async sequences.</summary>
public sealed class ConnectorTests : IDisposable
{
    public sealed record Item(int Id, string Name);

    private readonly string _dir = Directory.CreateTempSubdirectory("cameo-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_json_lines_source_processes_the_good_lines_and_keeps_each_bad_one_with_its_line_and_error()
    {
        string path = Path.Combine(_dir, "items.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"id":1,"name":"one"}""",
            """{"id":2,"name":""",        // 2: cut short
            """{"id":3,"name":"three"}""",
            "not json at all",            // 4
            "",                           // 5: blank lines are skipped, not errors
            "null",                       // 6: valid JSON, but no record
            """{"id":"seven"}""",         // 7: wrong type
            """{"id":8,"name":"eight"}""",
        ]);
        var got = new ConcurrentBag<Item>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("json", TimeSpan.FromMilliseconds(100), b => b.From(Source.JsonLines<Item>(path)).To(got.Add));
        await engine.RunAsync().WaitAsync(Within.Run);

        Assert.True(q.Completion.IsCompletedSuccessfully);
        Assert.Equal([1, 3, 8], got.Select(i => i.Id).Order());
        var letters = q.DeadLetters.OrderBy(d => d.LineNumber).ToList();
        Assert.Equal([2L, 4L, 6L, 7L], letters.Select(d => d.LineNumber));
        Assert.Equal("not json at all", letters[1].Input);
        Assert.All(letters, d => Assert.False(string.IsNullOrWhiteSpace(d.Error)));
        Assert.All(letters, d => Assert.Contains(path, d.Source));
        Assert.Contains("null", letters[2].Error);
        Assert.Equal(4, q.Stats.DeadLetters);
    }

    [Fact]
    public async Task A_missing_json_lines_file_fails_its_query_with_the_file_named()
    {
        string path = Path.Combine(_dir, "absent.jsonl");
        await using var engine = CameoEngine.Create(o => o.Workers = 1);
        var q = engine.AddQuery("absent", TimeSpan.FromMilliseconds(100), b => b.From(Source.JsonLines<Item>(path)).To(_ => { }));
        var run = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run)); // a failed query fails the run too
        Assert.Same(q.Failure, Assert.Single(run.InnerExceptions));
        Assert.Contains("'absent'", run.Message);
        var error = await Assert.ThrowsAsync<QueryFailedException>(() => q.Completion);
        Assert.Contains(path, error.Message);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public async Task A_json_lines_sink_writes_every_result_it_got()
    {
        string path = Path.Combine(_dir, "out.jsonl");
        var items = Enumerable.Range(0, 2_000).Select(i => new Item(i, $"n{i}")).ToArray();
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 64; });
        var q = engine.AddQuery("to-file", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(items)).Where(i => i.Id % 2 == 0).To(Sink.JsonLines<Item>(path)));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;

        var written = File.ReadAllLines(path).Select(l => JsonSerializer.Deserialize<Item>(l, JsonSerializerOptions.Web)!).ToArray();
        Assert.Equal(items.Where(i => i.Id % 2 == 0), written); // one sink instance, one channel: in order
    }

    private static async IAsyncEnumerable<int> Trickle(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 50 == 0) await Task.Delay(1, cancellationToken);
            else if (i % 7 == 0) await Task.Yield();
            yield return i;
        }
    }

    [Fact]
    public async Task An_async_source_feeds_a_query_whose_async_results_end_when_it_does()
    {
        IAsyncEnumerable<int>? results = null;
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 32; });
        var q = engine.AddQuery("async", TimeSpan.FromMilliseconds(100), b =>
            results = b.From(Source.From(Trickle(1_000))).Select(x => x * 2).ToAsyncEnumerable());
        engine.Start();

        using var timeout = new CancellationTokenSource(Within.Run);
        var got = new List<int>();
        await foreach (int x in results!.WithCancellation(timeout.Token)) got.Add(x);

        Assert.Equal(Enumerable.Range(0, 1_000).Select(x => x * 2), got);
        await q.Completion.WaitAsync(Within.Run);
    }

    [Fact]
    public async Task A_channel_sink_completes_once_every_sink_instance_has_ended()
    {
        var channel = System.Threading.Channels.Channel.CreateUnbounded<int>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        engine.AddQuery("channel", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(Enumerable.Range(0, 500)))
            .KeyBy(x => x % 4).Window(TimeSpan.FromMilliseconds(10)).Count()
            .Select(r => (int)r.Value).WithParallelism(3)
            .To(Sink.Channel(channel.Writer), parallelism: 3));
        var reader = channel.Reader;
        await engine.RunAsync().WaitAsync(Within.Run);
        int total = 0;
        while (reader.TryRead(out int n)) total += n;
        await reader.Completion.WaitAsync(Within.Run); // written to the end, and drained: completed
        Assert.Equal(500, total);
    }
}
