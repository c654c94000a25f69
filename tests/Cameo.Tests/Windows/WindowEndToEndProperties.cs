using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Windows;

/// <summary>
/// Windows and joins run end to end through <see cref="CameoEngine"/> on random input, against the
/// brute-force oracle. With one source, lateness does not depend on batching (each record meets the
/// watermark of the records before it), so the oracle reproduces it exactly for every
/// <see cref="EngineOptions.BatchSize"/>, even for badly disordered input, on either runtime.
/// </summary>
public class WindowEndToEndProperties
{
    /// <summary>A bound on a message's cost so small that every firing runs one result at a time (with batches of one, from the first).</summary>
    private static readonly TimeSpan Tiny = TimeSpan.FromTicks(1);

    internal sealed record Scenario(Ev[] Events, WindowSpec Window, long Bound, int BatchSize, int Parallelism, bool Slots, bool TinySlices)
    {
        public override string ToString() =>
            $"window {Window.Size}/{Window.Slide}, bound {Bound}, batch {BatchSize}, parallelism {Parallelism}, {(Slots ? "slots" : "embedded")}{(TinySlices ? ", tiny slices" : "")}, events " +
            string.Join(",", Events.Select(e => $"k{e.Key}@{e.Time - EventGen.Base}"));
    }

    private static readonly Gen<Scenario> Scenarios =
        from events in EventGen.Disordered(maxCount: 150)
        from window in Gen.Elements(EventGen.Windows)
        from bound in Gen.Elements(0L, 20L, 100L, 500L)
        from batch in Gen.Elements(1, 2, 7, 32, 512)
        from parallelism in Gen.Elements(1, 2)
        from slots in Gen.Elements(false, true)
        from tiny in Gen.Elements(false, true)
        select new Scenario(events, window, bound, batch, parallelism, slots, tiny);

    private sealed class Results<TOut>
    {
        public ConcurrentBag<WindowResult<int, TOut>> Items { get; } = [];
        public List<(int Key, long Start, long End, TOut Value)> Sorted() =>
            [.. Items.Select(r => (r.Key, r.Start, r.End, r.Value)).OrderBy(r => r.Start).ThenBy(r => r.Key)];
    }

    [Property(MaxTest = 50)]
    public Property Every_aggregate_matches_the_oracle_and_late_records_are_accounted_for() =>
        Prop.ForAll(Scenarios.ToArbitrary(), sc =>
        {
            var count = new Results<long>();
            var sum = new Results<double>();
            var min = new Results<double>();
            var max = new Results<double>();
            var avg = new Results<double>();
            var ids = new Results<string>();
            var late = new ConcurrentBag<Ev>();
            QueryHandle q;
            var engine = CameoEngine.Create(o =>
            {
                o.Workers = 2;
                o.BatchSize = sc.BatchSize;
                if (sc.TinySlices) o.MaxMessageCost = Tiny;
                if (sc.Slots) o.UseSlots();
            });
            try
            {
                q = engine.AddQuery("windows", TimeSpan.FromMilliseconds(100), b =>
                {
                    var s = b.From(Source.From(sc.Events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(sc.Bound));
                    var w = s.KeyBy(e => e.Key).Window(sc.Window);
                    w.OnLate(late.Add).Count().WithParallelism(sc.Parallelism).To(count.Items.Add);
                    w.Sum(e => (double)e.Value).WithParallelism(sc.Parallelism).To(sum.Items.Add);
                    w.Min(e => (double)e.Value).WithParallelism(sc.Parallelism).To(min.Items.Add);
                    w.Max(e => (double)e.Value).WithParallelism(sc.Parallelism).To(max.Items.Add);
                    w.Average(e => e.Value).WithParallelism(sc.Parallelism).To(avg.Items.Add);
                    w.Aggregate(() => "", (acc, e) => acc.Length == 0 ? $"{e.Id}" : $"{acc},{e.Id}", acc => acc)
                        .WithParallelism(sc.Parallelism).To(ids.Items.Add);
                });
                engine.RunAsync().WaitAsync(Within.Run).GetAwaiter().GetResult();
                q.Completion.WaitAsync(Within.Run).GetAwaiter().GetResult();
            }
            finally
            {
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            var oracle = WindowOracle.Run(WindowOracle.SourceSteps(sc.Events, sc.Bound), sc.Window);
            List<(int, long, long, TOut)> Want<TOut>(Func<List<Ev>, TOut> f) =>
                [.. oracle.Windows.Select(w => (w.Key.Key, w.Key.Start, w.Key.Start + sc.Window.Size, f(w.Value.Left))).OrderBy(r => r.Item2).ThenBy(r => r.Item1)];

            Assert.Equal(Want(rs => (long)rs.Count), count.Sorted());
            Assert.Equal(Want(rs => rs.Sum(e => (double)e.Value)), sum.Sorted());
            Assert.Equal(Want(rs => rs.Min(e => (double)e.Value)), min.Sorted());
            Assert.Equal(Want(rs => rs.Max(e => (double)e.Value)), max.Sorted());
            Assert.Equal(Want(Aggregates.Average), avg.Sorted());
            Assert.Equal(Want(Aggregates.Ids), ids.Sorted());

            Assert.Equal(oracle.Late[0].Select(e => e.Id).Order(), late.Select(e => e.Id).Order());
            Assert.Equal(6L * oracle.Late[0].Count, q.Stats.LateEvents); // six window operators saw the same input
            long counted = count.Items.Sum(r => r.Value);
            Assert.Equal(sc.Events.Sum(e => oracle.WindowsOf.TryGetValue((0, e.Id), out var ws) ? ws.Count : 0), counted);
            if (sc.Window.IsTumbling) Assert.Equal(sc.Events.Length, counted + late.Count); // outputs + late == input
        });

    [Fact]
    public async Task Records_behind_the_watermark_are_counted_late_and_handed_to_OnLate()
    {
        // One record per batch, so the watermark (max time seen, bound 0) moves after every record.
        Ev[] events =
        [
            new(0, 0, 1000, 1), new(1, 0, 2000, 1),
            new(2, 0, 500, 1),   // its window [500,600) ended long before the watermark 2000
            new(3, 1, 1999, 1),  // its window [1900,2000) ended exactly at the watermark 2000
            new(4, 1, 2001, 1), new(5, 0, 2050, 1),
        ];
        var results = new ConcurrentBag<WindowResult<int, long>>();
        var late = new ConcurrentBag<Ev>();
        await using var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 1; });
        var q = engine.AddQuery("late", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(events)).WithEventTime(e => e.Time, TimeSpan.Zero)
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(100)).OnLate(late.Add).Count()
            .To(results.Add));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;

        Assert.Equal([2, 3], late.Select(e => e.Id).Order());
        Assert.Equal(2, q.Stats.LateEvents);
        Assert.Equal([(0, 1000L, 1L), (0, 2000L, 2L), (1, 2000L, 1L)], results.Select(r => (r.Key, r.Start, r.Value)).Order());
        Assert.Equal(events.Length, results.Sum(r => r.Value) + q.Stats.LateEvents);
    }

    [Fact]
    public async Task A_large_disordered_input_loses_nothing_outputs_plus_late_equal_input()
    {
        var rnd = new Random(1);
        var events = Enumerable.Range(0, 20_000).Select(i => new Ev(i, rnd.Next(7), EventGen.Base + i * 3 + rnd.Next(-50, 50), 0)).ToList();
        var results = new ConcurrentBag<WindowResult<int, long>>();
        var late = new ConcurrentBag<Ev>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("count", TimeSpan.FromSeconds(1), b => b
            .From(Source.From(events))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(20))
            .KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(500)).OnLate(late.Add).Count()
            .To(results.Add));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;

        var oracle = WindowOracle.Run(WindowOracle.SourceSteps(events, 20), new WindowSpec(500, 500));
        Assert.True(late.Count > 0, "the input was meant to produce late records");
        Assert.Equal(oracle.Late[0].Count, late.Count);
        Assert.Equal(late.Count, q.Stats.LateEvents);
        Assert.Equal(events.Count, results.Sum(r => r.Value) + q.Stats.LateEvents);
    }

    [Fact]
    public async Task A_parallel_generators_records_all_land_in_windows_under_the_minimum_watermark()
    {
        const int count = 6_000;
        var results = new ConcurrentBag<WindowResult<long, long>>();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("parallel-source", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.Generate((i, dueMs) => (Id: i, Time: dueMs), eventsPerSecond: 60_000, count: count)).WithParallelism(3)
            .WithEventTime(e => e.Time, TimeSpan.Zero)
            .KeyBy(e => e.Id % 5).Window(TimeSpan.FromMilliseconds(20)).Count().WithParallelism(2)
            .To(results.Add));
        await engine.RunAsync().WaitAsync(Within.Run);
        await q.Completion;

        // Each instance's records are in order, so none is behind its own watermark, nor behind the minimum.
        Assert.Equal(0, q.Stats.LateEvents);
        Assert.Equal(count, results.Sum(r => r.Value));
        Assert.Equal(5, results.Select(r => r.Key).Distinct().Count());
    }

    [Property(MaxTest = 50)]
    public Property Join_matches_a_nested_loop_end_to_end() =>
        Prop.ForAll((
            from window in Gen.Elements(EventGen.Windows)
            from bound in Gen.Elements(0L, 30L, 200L)
            from left in EventGen.BoundedDisorder(bound, maxCount: 80, keys: 3)
            from right in EventGen.BoundedDisorder(bound, maxCount: 80, keys: 3, idBase: 100_000)
            from batch in Gen.Elements(1, 5, 64)
            from parallelism in Gen.Elements(1, 2)
            from slots in Gen.Elements(false, true)
            from tiny in Gen.Elements(false, true)
            select (Window: window, Bound: bound, Left: left, Right: right, Batch: batch, Parallelism: parallelism, Slots: slots, TinySlices: tiny)).ToArbitrary(), sc =>
        {
            var pairs = new ConcurrentBag<(int L, int R)>();
            QueryHandle q;
            var engine = CameoEngine.Create(o =>
            {
                o.Workers = 2;
                o.BatchSize = sc.Batch;
                if (sc.TinySlices) o.MaxMessageCost = Tiny;
                if (sc.Slots) o.UseSlots();
            });
            try
            {
                q = engine.AddQuery("join", TimeSpan.FromMilliseconds(100), b =>
                {
                    var bound = TimeSpan.FromMilliseconds(sc.Bound);
                    var l = b.From(Source.From(sc.Left, "left")).WithEventTime(e => e.Time, bound);
                    var r = b.From(Source.From(sc.Right, "right")).WithEventTime(e => e.Time, bound);
                    l.Join(r, e => e.Key, e => e.Key, sc.Window, (x, y) => (x.Id, y.Id)).WithParallelism(sc.Parallelism).To(pairs.Add);
                });
                engine.RunAsync().WaitAsync(Within.Run).GetAwaiter().GetResult();
                q.Completion.WaitAsync(Within.Run).GetAwaiter().GetResult();
            }
            finally
            {
                engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            // Bounded disorder: nothing is late, so every record counts in every window holding it.
            Step[] steps = [new Batch(0, sc.Left), new Batch(1, sc.Right), new WatermarkStep(Watermark.EndOfStream)];
            var oracle = WindowOracle.Run(steps, sc.Window);
            Assert.Equal(0, q.Stats.LateEvents);
            Assert.Equal(WindowOracle.JoinPairs(oracle, sc.Left, sc.Right).Select(p => (p.Left, p.Right)).Order(), pairs.Order());
        });
}
