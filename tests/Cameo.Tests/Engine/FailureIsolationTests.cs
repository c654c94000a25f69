using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cameo.Runtime;
using Cameo.Tests.Support;

namespace Cameo.Tests.Engine;

/// <summary>An operator or source that throws fails its own query and nothing else.</summary>
public class FailureIsolationTests
{
    public static TheoryData<bool> Runtimes => new() { false, true };

    /// <summary>Yields half of the input, waits until <paramref name="gate"/> is done, then yields the rest.</summary>
    private static async IAsyncEnumerable<int> HalfThenAfter(int count, Task gate, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < count / 2; i++) yield return i;
        await gate.ContinueWith(_ => { }, cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
        for (int i = count / 2; i < count; i++) yield return i;
    }

    [Theory]
    [MemberData(nameof(Runtimes))]
    public async Task A_throwing_operator_fails_only_its_query_and_the_other_query_completes_correctly(bool slots)
    {
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 16; if (slots) o.UseSlots(); });
        var bad = engine.AddQuery("bad", TimeSpan.FromMilliseconds(50), b => b
            .From(Source.From(Enumerable.Range(0, 10_000)))
            .Select(x => x == 100 ? throw new InvalidOperationException($"cannot handle {x}") : x)
            .To(_ => { }));
        var good = new ConcurrentBag<int>();
        var goodQuery = engine.AddQuery("good", TimeSpan.FromMilliseconds(50), b => b
            .From(Source.From(HalfThenAfter(4_000, bad.Completion)))
            .Where(x => x % 3 == 0)
            .To(good.Add));

        // The run faults once every query has ended, naming the failed one; the other ran to its end.
        var run = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));
        Assert.Same(bad.Failure, Assert.Single(run.InnerExceptions));
        Assert.StartsWith("1 of 2 queries failed: Query 'bad' failed in Select#1", run.Message);

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => bad.Completion);
        Assert.Same(error, bad.Failure);
        Assert.Equal("bad", error.Query);
        Assert.Equal("Select#1", error.Operator);
        Assert.Contains("'bad'", error.Message);
        Assert.Contains("Select#1", error.Message);
        Assert.Contains("cannot handle 100", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);

        Assert.True(goodQuery.Completion.IsCompletedSuccessfully);
        Assert.Null(goodQuery.Failure);
        Assert.Equal(Enumerable.Range(0, 4_000).Where(x => x % 3 == 0), good.Order());
    }

    private static IEnumerable<int> BreaksAfter(int count)
    {
        for (int i = 0; i < count; i++) yield return i;
        throw new IOException("the disk went away");
    }

    [Fact]
    public async Task A_throwing_source_fails_its_query_naming_the_source()
    {
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var broken = engine.AddQuery("broken", TimeSpan.FromMilliseconds(50), b => b.From(Source.From(BreaksAfter(10))).To(_ => { }));
        int fine = 0;
        var other = engine.AddQuery("fine", TimeSpan.FromMilliseconds(50), b => b.From(Source.From(Enumerable.Range(0, 1000))).To(_ => Interlocked.Increment(ref fine)));
        await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => broken.Completion);
        Assert.Equal(("broken", "Source#0"), (error.Query, error.Operator));
        Assert.Contains("the disk went away", error.Message);
        await other.Completion;
        Assert.Equal(1000, fine);
    }
}
