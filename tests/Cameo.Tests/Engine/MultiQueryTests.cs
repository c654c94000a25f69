using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Time;

namespace Cameo.Tests.Engine;

/// <summary>
/// Several tenants at once on one engine: whatever order the policy runs their messages in, and on
/// either runtime, every query's results are exactly the oracle's. Inputs have bounded disorder, so
/// no record is late however sources and workers interleave.
/// </summary>
public class MultiQueryTests
{
    public static TheoryData<string> Setups => ["fifo", "edf", "llf", "sjf", "cameo", "slots"];

    private const long Bound = 50;
    private static readonly WindowSpec Tumbling = new(100, 100);
    private static readonly WindowSpec Sliding = new(300, 100);
    private static readonly WindowSpec JoinWindow = new(200, 200);
    private static readonly WindowSpec Cascade = new(1000, 1000); // a multiple of Tumbling: counts of counts are counts

    private static List<(int Key, long Start, TOut Value)> Expected<TOut>(Ev[] events, WindowSpec w, Func<List<Ev>, TOut> f) =>
        [.. WindowOracle.Run([new Batch(0, events), new WatermarkStep(Watermark.EndOfStream)], w).Windows
            .Select(x => (x.Key.Key, x.Key.Start, f(x.Value.Left))).Order()];

    [Theory]
    [MemberData(nameof(Setups))]
    public async Task Every_query_matches_the_oracle_under_every_policy_and_runtime(string setup)
    {
        var rnd = new Random(7); // the same input for every setup
        var events = EventGen.BoundedDisorder(rnd, 3_000, keys: 5, Bound, step: 3);
        var left = EventGen.BoundedDisorder(rnd, 600, keys: 8, Bound, step: 10);
        var right = EventGen.BoundedDisorder(rnd, 600, keys: 8, Bound, step: 10, idBase: 10_000);

        var filtered = new ConcurrentBag<int>();
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        var sums = new ConcurrentBag<WindowResult<int, double>>();
        var pairs = new ConcurrentBag<(int, int)>();
        var cascade = new ConcurrentBag<WindowResult<int, double>>();
        await using var engine = CameoEngine.Create(o =>
        {
            o.Workers = 2;
            o.BatchSize = 16; // many small messages: lots of scheduling decisions
            if (setup == "slots") o.UseSlots();
            else o.Policy = SchedulingPolicies.Parse(setup);
        });
        var bound = TimeSpan.FromMilliseconds(Bound);
        var queries = new[]
        {
            engine.AddQuery("filter", TimeSpan.FromMilliseconds(20), b => b
                .From(Source.From(events)).WithEventTime(e => e.Time, bound)
                .Where(e => e.Value > 0).Select(e => e.Id).To(filtered.Add)),
            engine.AddQuery("tumbling-count", TimeSpan.FromMilliseconds(200), b => b
                .From(Source.From(events)).WithEventTime(e => e.Time, bound)
                .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(Tumbling.Size)).Count().WithParallelism(2)
                .To(counts.Add)),
            engine.AddQuery("sliding-sum", TimeSpan.FromMilliseconds(500), b => b
                .From(Source.From(events)).WithEventTime(e => e.Time, bound)
                .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(Sliding.Size), TimeSpan.FromMilliseconds(Sliding.Slide)).Sum(e => (double)e.Value)
                .To(sums.Add)),
            engine.AddQuery("cascade", TimeSpan.FromMilliseconds(300), b => b
                .From(Source.From(events)).WithEventTime(e => e.Time, bound)
                .Select(e => e).WithParallelism(2)                                   // round-robin, two watermark channels below
                .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(Tumbling.Size)).Count().WithParallelism(2)
                .KeyBy(r => r.Key).Window(TimeSpan.FromMilliseconds(Cascade.Size)).Sum(r => (double)r.Value)
                .To(cascade.Add)),
            engine.AddQuery("join", TimeSpan.FromMilliseconds(100), b =>
            {
                var l = b.From(Source.From(left)).WithEventTime(e => e.Time, bound);
                var r = b.From(Source.From(right)).WithEventTime(e => e.Time, bound);
                l.Join(r, e => e.Key, e => e.Key, JoinWindow, (x, y) => (x.Id, y.Id)).To(pairs.Add);
            }),
        };
        await engine.RunAsync().WaitAsync(Within.Run);
        foreach (var q in queries)
        {
            await q.Completion;
            Assert.Equal(0, q.Stats.LateEvents);
        }

        Assert.Equal(events.Where(e => e.Value > 0).Select(e => e.Id).Order(), filtered.Order());
        Assert.Equal(Expected(events, Tumbling, rs => (long)rs.Count), counts.Select(r => (r.Key, r.Start, r.Value)).Order());
        Assert.Equal(Expected(events, Sliding, rs => rs.Sum(e => (double)e.Value)), sums.Select(r => (r.Key, r.Start, r.Value)).Order());
        Assert.Equal(Expected(events, Cascade, rs => (double)rs.Count), cascade.Select(r => (r.Key, r.Start, r.Value)).Order());
        var joinOracle = WindowOracle.Run([new Batch(0, left), new Batch(1, right), new WatermarkStep(Watermark.EndOfStream)], JoinWindow);
        Assert.Equal(WindowOracle.JoinPairs(joinOracle, left, right).Select(p => (p.Left, p.Right)).Order(), pairs.Order());
        Assert.True(pairs.Count > 0 && counts.Count > 0 && sums.Count > 0 && filtered.Count > 0 && cascade.Count > 0);
    }
}
