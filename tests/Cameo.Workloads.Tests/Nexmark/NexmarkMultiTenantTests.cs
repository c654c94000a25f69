using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Workloads.Nexmark;

namespace Cameo.Workloads.Tests.Nexmark;

/// <summary>
/// The multi-tenant NEXMark scenario's plumbing: its input (pooled JSON lines placed in the endless
/// stream by the parse) is a NEXMark stream, and a short run of the scenario as the bench deploys it
/// gives each query the results of the same query alone over the events the shared source read,
/// parsed once.
/// </summary>
public class NexmarkMultiTenantTests
{
    [Fact]
    public void Pooled_lines_make_a_nexmark_stream_across_cycles()
    {
        var lines = new NexmarkLines(seed: 9, poolSize: 500);
        var events = Enumerable.Range(0, 4 * lines.PoolSize).Select(i => lines.Event(i, 1_000_000 + i)).ToList();

        Assert.Equal(events.Select((_, i) => 1_000_000L + i), events.Select(e => e.DateTime));
        var persons = events.OfType<Person>().Select(p => p.Id).ToList();
        var auctions = events.OfType<Auction>().ToList();
        Assert.Equal(Enumerable.Range(1000, events.Count / 50).Select(i => (long)i), persons);
        Assert.Equal(Enumerable.Range(1000, events.Count / 50 * 3).Select(i => (long)i), auctions.Select(a => a.Id));
        // Every reference is to a person or an auction already in the stream (ids never repeat across cycles).
        var seen = new HashSet<(Type, long)>();
        foreach (var e in events)
        {
            switch (e)
            {
                case Person p: seen.Add((typeof(Person), p.Id)); break;
                case Auction a:
                    Assert.Contains((typeof(Person), a.Seller), seen);
                    Assert.True(a.Expires > a.DateTime);
                    seen.Add((typeof(Auction), a.Id));
                    break;
                case Bid b:
                    Assert.Contains((typeof(Person), b.Bidder), seen);
                    Assert.Contains((typeof(Auction), b.Auction), seen);
                    break;
            }
        }
        Assert.Equal(lines.Event(1234, 5), lines.Event(1234, 5));
        Assert.Throws<ArgumentException>(() => new NexmarkLines(seed: 9, poolSize: 120));
    }

    [Fact]
    public async Task Every_query_of_the_mix_equals_the_query_alone_over_the_input_parsed_once()
    {
        var q1 = new ConcurrentBag<Q1Result>();
        var q5 = new ConcurrentBag<Q5Result>();
        var q7 = new ConcurrentBag<Q7Result>();
        var q8 = new ConcurrentBag<Q8Result>();
        int parses = 0;
        NexmarkLines? pool = null;
        var scenario = NexmarkMultiTenant.Create(parallelism: 2,
            new NexmarkSinks(Sink.Call<Q1Result>(q1.Add), Sink.Call<Q5Result>(q5.Add), Sink.Call<Q7Result>(q7.Add), Sink.Call<Q8Result>(q8.Add)),
            lines =>
            {
                pool = lines;
                return line =>
                {
                    Interlocked.Increment(ref parses);
                    return lines.Parse(line);
                };
            });
        var recorder = new InputRecorder();
        await using (var engine = CameoEngine.Create(o => o.Workers = 2))
        {
            var handles = ScenarioRunner.Deploy(engine, scenario, _ => new WorkloadInput(RateSchedule.Constant(20_000), Seed: 3, recorder));
            Assert.Equal(["q1", "q8", "q5", "q7"], handles.Select(h => h.Name));
            engine.Start();
            // Read for a while (the source is paced), then stop: the stream ends and every window fires.
            while (recorder.Events.Values.Sum(e => e.Count) < 30_000) await Task.Delay(50);
            await engine.StopAsync(TimeSpan.FromSeconds(30));
            foreach (var h in handles) await h.Completion;
        }

        // One source read the input, and every line it read was parsed once, for all four queries.
        var read = Assert.Single(recorder.Events);
        Assert.Equal(NexmarkMultiTenant.InputName, read.Key);
        Assert.Equal(read.Value.Count, parses);
        var input = read.Value.Select(e => pool!.Parse((NexmarkLine)e.Record!)).ToArray();
        Assert.Equal(read.Value.Select(e => e.Index), Enumerable.Range(0, read.Value.Count).Select(i => (long)i));

        Assert.Equal(await AloneAsync(input, NexmarkQueries.Q1), q1.Select(r => r.ToString()).Order());
        Assert.Equal(await AloneAsync(input, e => NexmarkQueries.Q5(e)), q5.Select(r => r.ToString()).Order());
        Assert.Equal(await AloneAsync(input, NexmarkQueries.Q7), q7.Select(r => r.ToString()).Order());
        Assert.Equal(await AloneAsync(input, e => NexmarkQueries.Q8(e)), q8.Select(r => r.ToString()).Order());
        // The plain loops over the same events count as many results.
        Assert.Equal(NexmarkLoops.Run("q1", input), q1.Count);
        Assert.Equal(NexmarkLoops.Run("q5", input), q5.Count);
        Assert.Equal(NexmarkLoops.Run("q7", input), q7.Count);
        Assert.Equal(NexmarkLoops.Run("q8", input), q8.Count);
        Assert.NotEmpty(q5);
        Assert.NotEmpty(q8);
    }

    /// <summary>The query alone, on one instance, over <paramref name="input"/> read from memory: its results as text, ordered.</summary>
    private static async Task<List<string>> AloneAsync<T>(NexmarkEvent[] input, Func<Stream<NexmarkEvent>, Stream<T>> query)
    {
        var results = new ConcurrentBag<T>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        engine.AddQuery("alone", TimeSpan.FromSeconds(1), b => query(NexmarkQueries.Events(b, Source.From(input))).To(results.Add));
        await engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return [.. results.Select(r => r!.ToString()!).Order()];
    }
}
