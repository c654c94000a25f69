using System.Collections.Concurrent;
using Cameo.Checkpoints;
using Cameo.Operators;

namespace Cameo.Tests.Checkpoints;

/// <summary>
/// Queries reading a shared stream take checkpoints of their own state: their sources, fed by the
/// shared part, inject each barrier at the hand-over, and every query's results stay complete.
/// </summary>
public sealed class SharedStreamCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cameo-ckpt-shared-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Queries_reading_a_shared_stream_complete_checkpoints_with_every_result()
    {
        var store = new DirectoryStateStore(_dir);
        var options = new EngineOptions
        {
            Workers = 2,
            BatchSize = 64,
            MaxInFlightMessages = 8,
            Checkpoints = new CheckpointOptions { Store = store, Interval = TimeSpan.FromMilliseconds(5) },
        };
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        var evens = new ConcurrentBag<long>();
        bool BothCheckpointed() => store.CompletedAsync("counts", CancellationToken.None).Result.Count > 0
            && store.CompletedAsync("evens", CancellationToken.None).Result.Count > 0;
        long produced = 0;
        await using (var engine = new CameoEngine(options))
        {
            var numbers = engine.Stream("numbers", s => s.From(Source.From(Slowly(5000, BothCheckpointed, n => produced = n))).WithEventTime(n => n, TimeSpan.FromMilliseconds(20)));
            engine.AddQuery("counts", TimeSpan.FromSeconds(1), q => q.From(numbers).KeyBy(n => (int)(n % 3)).Window(TimeSpan.FromMilliseconds(100)).Count().To(counts.Add));
            engine.AddQuery("evens", TimeSpan.FromMilliseconds(50), q => q.From(numbers).Where(n => n % 2 == 0).To(evens.Add));
            await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.NotEmpty(await store.CompletedAsync("counts", CancellationToken.None));
        Assert.NotEmpty(await store.CompletedAsync("evens", CancellationToken.None));
        Assert.True(produced >= 5000);
        Assert.Equal(produced, counts.Sum(c => c.Value));
        Assert.Equal(Enumerable.Range(0, (int)((produced + 1) / 2)).Select(i => 2L * i), evens.Order());
    }

    /// <summary>
    /// 0, 1, 2, ...: a millisecond's sleep every 10 numbers, at least <paramref name="atLeast"/> of
    /// them and then on until <paramref name="done"/> (checked every 10 numbers; at most a minute's
    /// worth), so checkpoints complete mid-stream however slow the machine; <paramref name="count"/>
    /// learns how many there were.
    /// </summary>
    private static IEnumerable<long> Slowly(int atLeast, Func<bool> done, Action<long> count)
    {
        long i = 0;
        for (; i < atLeast || (i < 60_000 && (i % 10 != 0 || !done())); i++)
        {
            if (i % 10 == 0) Thread.Sleep(1);
            yield return i;
        }
        count(i);
    }
}
