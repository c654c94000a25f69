using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Windows;

/// <summary>
/// The operators beyond count/sum/min/max/average, run end to end through <see cref="CameoEngine"/>
/// on random input against brute-force oracles: distinct values, top-N, typed aggregates, global
/// and session windows, unions, splits, late records as a stream, and event times assigned after a parse.
/// </summary>
public class NewOperatorEndToEndTests
{
    internal sealed record Scenario(Ev[] Events, WindowSpec Window, long Bound, int BatchSize, int Parallelism)
    {
        public override string ToString() =>
            $"window {Window.Size}/{Window.Slide}, bound {Bound}, batch {BatchSize}, parallelism {Parallelism}, events " +
            string.Join(",", Events.Select(e => $"k{e.Key}@{e.Time - EventGen.Base}"));
    }

    private static readonly Gen<Scenario> Scenarios =
        from events in EventGen.Disordered(maxCount: 120)
        from window in Gen.Elements(EventGen.Windows)
        from bound in Gen.Elements(0L, 20L, 100L, 500L)
        from batch in Gen.Elements(1, 3, 32, 512)
        from parallelism in Gen.Elements(1, 2, 3)
        select new Scenario(events, window, bound, batch, parallelism);

    private static void Run(int batchSize, Action<QueryBuilder> define, out QueryHandle query)
    {
        var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = batchSize; });
        try
        {
            query = engine.AddQuery("q", TimeSpan.FromMilliseconds(100), define);
            engine.RunAsync().WaitAsync(Within.Run).GetAwaiter().GetResult();
            query.Completion.WaitAsync(Within.Run).GetAwaiter().GetResult();
        }
        finally
        {
            engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>A long far beyond 2^53, where a double cannot tell neighbours apart.</summary>
    private const long Big = (1L << 55) + 1;

    [Property(MaxTest = 40)]
    public Property Distinct_top_n_typed_aggregates_and_global_windows_match_the_oracle_and_nothing_is_lost() =>
        Prop.ForAll(Scenarios.ToArbitrary(), sc =>
        {
            var distinct = new ConcurrentBag<WindowResult<int, int[]>>();
            var top = new ConcurrentBag<WindowResult<int, Ev[]>>();
            var sum = new ConcurrentBag<WindowResult<int, long>>();
            var min = new ConcurrentBag<WindowResult<int, long>>();
            var max = new ConcurrentBag<WindowResult<int, int>>();
            var all = new ConcurrentBag<WindowResult<All, long>>();
            var late = new ConcurrentBag<Ev>();
            var allLate = new ConcurrentBag<Ev>();
            Run(sc.BatchSize, b =>
            {
                var s = b.From(Source.From(sc.Events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(sc.Bound));
                var w = s.KeyBy(e => e.Key).Window(sc.Window);
                w.OnLate(out var lateStream).Distinct(e => e.Value % 5).WithParallelism(sc.Parallelism).To(distinct.Add);
                lateStream.To(late.Add);
                w.TopN(3, e => e.Value).WithParallelism(sc.Parallelism).To(top.Add);
                w.Sum(e => Big + e.Value).WithParallelism(sc.Parallelism).To(sum.Add);
                w.Min(e => Big + e.Value).WithParallelism(sc.Parallelism).To(min.Add);
                w.Max(e => e.Value).WithParallelism(sc.Parallelism).To(max.Add);
                s.WindowAll(sc.Window).OnLate(out var allLateStream).Count().To(all.Add);
                allLateStream.To(allLate.Add);
            }, out var q);

            var oracle = WindowOracle.Run(WindowOracle.SourceSteps(sc.Events, sc.Bound), sc.Window);
            List<(int, long, TOut)> Want<TOut>(Func<List<Ev>, TOut> f) =>
                [.. oracle.Windows.Select(w => (w.Key.Key, w.Key.Start, f(w.Value.Left))).OrderBy(r => r.Item2).ThenBy(r => r.Item1)];
            List<(int, long, TOut)> Got<TV, TOut>(IEnumerable<WindowResult<int, TV>> rs, Func<TV, TOut> f) =>
                [.. rs.Select(r => (r.Key, r.Start, f(r.Value))).OrderBy(r => r.Item2).ThenBy(r => r.Item1)];

            Assert.Equal(Want(rs => string.Join(",", rs.Select(e => e.Value % 5).Distinct().Order())), Got(distinct, v => string.Join(",", v.Order())));
            // Top 3 by value, best first, ties to the record that came first (the oracle keeps arrival order).
            Assert.Equal(Want(rs => string.Join(",", rs.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Value).ThenBy(x => x.i).Take(3).Select(x => x.e.Id))),
                Got(top, v => string.Join(",", v.Select(e => e.Id))));
            Assert.Equal(Want(rs => rs.Aggregate(0L, (acc, e) => acc + Big + e.Value)), Got(sum, v => v)); // exact: no double in between
            Assert.Equal(Want(rs => rs.Min(e => Big + e.Value)), Got(min, v => v));
            Assert.Equal(Want(rs => rs.Max(e => e.Value)), Got(max, v => v));
            Assert.Equal(oracle.Late[0].Select(e => e.Id).Order(), late.Select(e => e.Id).Order());

            // The global window: one result per window over every key; lateness is the same as keyed (it depends on time alone).
            var perWindow = oracle.Windows.GroupBy(w => w.Key.Start).Select(g => (g.Key, (long)g.Sum(w => w.Value.Left.Count))).Order();
            Assert.Equal(perWindow, all.Select(r => (r.Start, r.Value)).Order());
            Assert.Equal(oracle.Late[0].Select(e => e.Id).Order(), allLate.Select(e => e.Id).Order());
            if (sc.Window.IsTumbling) Assert.Equal(sc.Events.Length, all.Sum(r => r.Value) + allLate.Count); // every record counted or late
        });

    [Property(MaxTest = 30)]
    public Property Session_windows_end_to_end_match_the_model_whatever_the_batching_and_parallelism() =>
        Prop.ForAll(Scenarios.ToArbitrary(), Gen.Elements(30L, 200L).ToArbitrary(), (sc, gap) =>
        {
            var results = new ConcurrentBag<WindowResult<int, string>>();
            var late = new ConcurrentBag<Ev>();
            Run(sc.BatchSize, b => b
                .From(Source.From(sc.Events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(sc.Bound))
                .KeyBy(e => e.Key).SessionWindow(TimeSpan.FromMilliseconds(gap)).OnLate(late.Add)
                .Aggregate(() => new List<int>(), (acc, e) => { acc.Add(e.Id); return acc; }, acc => string.Join(",", acc.Order()))
                .WithParallelism(sc.Parallelism).To(results.Add), out _);
            var (emitted, lateIds) = SessionWindowProperties.Model(WindowOracle.SourceSteps(sc.Events, sc.Bound), gap, 0);
            Assert.Equal(emitted.Order(), results.Select(r => (r.Key, r.Start, r.End, r.Value)).Order());
            Assert.Equal(lateIds.Order(), late.Select(e => e.Id).Order());
            Assert.Equal(sc.Events.Length, results.Sum(r => r.Value.Split(',').Length) + late.Count);
        });

    [Property(MaxTest = 30)]
    public Property A_union_of_two_sources_counts_every_record_of_both() =>
        Prop.ForAll(EventGen.BoundedDisorder(50, maxCount: 100).ToArbitrary(), EventGen.BoundedDisorder(50, maxCount: 100, idBase: 1000).ToArbitrary(), (a, c) =>
        {
            var counts = new ConcurrentBag<WindowResult<int, long>>();
            Run(16, b =>
            {
                var left = b.From(Source.From(a)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(50));
                var right = b.From(Source.From(c)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(50));
                left.Union(right).KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(100)).Count().WithParallelism(2).To(counts.Add);
            }, out var q);
            var want = a.Concat(c).GroupBy(e => (e.Key, Start: e.Time / 100 * 100)).Select(g => (g.Key.Key, g.Key.Start, (long)g.Count())).Order();
            Assert.Equal(want, counts.Select(r => (r.Key, r.Start, r.Value)).Order());
            Assert.Equal(0, q.Stats.LateEvents); // bounded disorder: nothing is late, so the union is exact
        });

    [Fact]
    public async Task OfType_and_Split_route_each_record_to_one_branch()
    {
        object[] input = [1, "a", 2L, 3, "bb", 4, 5.0];
        var ints = new ConcurrentBag<int>();
        var even = new ConcurrentBag<int>();
        var odd = new ConcurrentBag<int>();
        var strings = new ConcurrentBag<string>();
        await using var engine = new CameoEngine();
        engine.AddQuery("types", TimeSpan.FromMilliseconds(100), b =>
        {
            var s = b.From(Source.From(input));
            var numbers = s.OfType<int>();
            numbers.To(ints.Add);
            var (evens, odds) = numbers.Split(x => x % 2 == 0);
            evens.To(even.Add);
            odds.To(odd.Add);
            s.OfType<string>().To(strings.Add);
        });
        await engine.RunAsync().WaitAsync(Within.Run);
        Assert.Equal([1, 3, 4], ints.Order());
        Assert.Equal([4], even);
        Assert.Equal([1, 3], odd.Order());
        Assert.Equal(["a", "bb"], strings.Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(512)]
    public async Task Lateness_does_not_depend_on_the_batch_size(int batchSize)
    {
        // Issue 10's example: 2 s of out-of-orderness; 9999 comes after 12000, whose watermark 10000 closed window [0, 10000).
        long[] times = [10000, 8000, 7999, 12000, 9999, 20000];
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        var late = new ConcurrentBag<long>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = batchSize);
        var q = engine.AddQuery("late", TimeSpan.FromMilliseconds(100), b =>
        {
            var w = b.From(Source.From(times)).WithEventTime(t => t, TimeSpan.FromSeconds(2))
                .KeyBy(_ => 0).Window(TimeSpan.FromSeconds(10)).OnLate(out var lateStream);
            w.Count().To(counts.Add);
            lateStream.To(late.Add);
        });
        await engine.RunAsync().WaitAsync(Within.Run);
        Assert.Equal([9999L], late);
        Assert.Equal([(0L, 2L), (10000L, 2L), (20000L, 1L)], counts.Select(r => (r.Start, r.Value)).Order());
        Assert.Equal(1, q.Stats.LateEvents);
    }

    [Fact]
    public async Task Allowed_lateness_emits_an_updated_window_and_only_later_records_are_late()
    {
        long[] times = [1000, 12000, 5000, 25000, 6000];
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        var late = new ConcurrentBag<long>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = 1);
        engine.AddQuery("lateness", TimeSpan.FromMilliseconds(100), b =>
        {
            var w = b.From(Source.From(times)).WithEventTime(t => t, TimeSpan.Zero)
                .KeyBy(_ => 0).Window(TimeSpan.FromSeconds(10)).AllowedLateness(TimeSpan.FromSeconds(5)).OnLate(out var lateStream);
            w.Count().To(counts.Add);
            lateStream.To(late.Add);
        });
        await engine.RunAsync().WaitAsync(Within.Run);
        // [0,10000) fires at 12000 with 1, is updated by 5000 (watermark 12000 < 10000 + 5000) to 2; 6000 comes after watermark 25000: late.
        Assert.Equal([(0L, 1L), (0L, 2L), (10000L, 1L), (20000L, 1L)], counts.Select(r => (r.Start, r.Value)).Order());
        Assert.Equal([6000L], late);
    }

    /// <remarks>
    /// A join's watermark is the minimum of its two inputs', so which records it finds late depends
    /// on how the two paths interleave; the property holds for any interleaving: a record the join
    /// finds late is late in one source order (the watermark it saw was never ahead of that), every
    /// other record is paired with every other record of its key and (tumbling) window, and each
    /// result sees its window and both event times.
    /// </remarks>
    [Property(MaxTest = 25)]
    public Property A_join_hands_its_late_records_on_both_sides_to_streams_and_sees_its_window() =>
        Prop.ForAll(Scenarios.ToArbitrary(), sc =>
        {
            var window = new WindowSpec(sc.Window.Size, sc.Window.Size);
            var pairs = new ConcurrentBag<(int L, int R, long Start, long End, long LT, long RT)>();
            var lateLeft = new ConcurrentBag<Ev>();
            var lateRight = new ConcurrentBag<Ev>();
            Run(sc.BatchSize, b =>
            {
                var s = b.From(Source.From(sc.Events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(sc.Bound));
                var (l, r) = s.Split(e => e.Id % 2 == 0);
                l.Join(r, e => e.Key, e => e.Key, window, (x, y, w) => (x.Id, y.Id, w.Start, w.End, w.LeftTime, w.RightTime), out var ll, out var lr)
                    .WithParallelism(sc.Parallelism).To(pairs.Add);
                ll.To(lateLeft.Add);
                lr.To(lateRight.Add);
            }, out _);

            var oracleLate = WindowOracle.Run(WindowOracle.SourceSteps(sc.Events, sc.Bound), window).Late[0].Select(e => e.Id).ToHashSet();
            var late = lateLeft.Concat(lateRight).Select(e => e.Id).ToHashSet();
            Assert.Subset(oracleLate, late);
            var left = sc.Events.Where(e => e.Id % 2 == 0 && !late.Contains(e.Id));
            var right = sc.Events.Where(e => e.Id % 2 == 1 && !late.Contains(e.Id)).ToList();
            var want = (from x in left
                        from y in right
                        where x.Key == y.Key && window.LastStart(x.Time) == window.LastStart(y.Time)
                        select (x.Id, y.Id, window.LastStart(x.Time), window.LastStart(x.Time) + window.Size, x.Time, y.Time)).Order();
            Assert.Equal(want, pairs.Order());
            Assert.All(lateLeft, e => Assert.True(e.Id % 2 == 0));
            Assert.All(lateRight, e => Assert.True(e.Id % 2 == 1));
        });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Event_times_assigned_after_a_parallel_parse_feed_windows_exactly(int parallelism)
    {
        var rnd = new Random(7);
        var events = EventGen.BoundedDisorder(rnd, 2000, 4, 100, 10);
        string[] lines = [.. events.Select(e => $"{e.Id};{e.Key};{e.Time};{e.Value}")];
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = 64);
        var q = engine.AddQuery("parse", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(lines))
            .Select(Parse).WithParallelism(parallelism)
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100))
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(250)).Count().WithParallelism(2)
            .To(counts.Add));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;
        var want = events.GroupBy(e => (e.Key, Start: e.Time / 250 * 250)).Select(g => (g.Key.Key, g.Key.Start, (long)g.Count())).Order();
        Assert.Equal(want, counts.Select(r => (r.Key, r.Start, r.Value)).Order());
        Assert.Equal(0, q.Stats.LateEvents);
    }

    internal static Ev Parse(string line)
    {
        var f = line.Split(';');
        return new Ev(int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
    }
}
