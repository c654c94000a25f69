using Cameo.Operators;
using Cameo.Progress;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Windows;

/// <summary>
/// The window operators driven directly, step by step, against <see cref="WindowOracle"/>: with no
/// runtime in between, lateness is exactly what the steps make it, so every record's fate (which
/// windows, or late), every result, and the step at which each window fires must match.
/// </summary>
public class WindowOperatorProperties
{
    internal sealed record Scenario(WindowSpec Window, IReadOnlyList<Step> Steps)
    {
        public override string ToString() =>
            $"window {Window.Size}/{Window.Slide}: " + string.Join(" ", Steps.Select(s => s switch
            {
                Batch b => $"{(b.Side == 0 ? "L" : "R")}[{string.Join(",", b.Records.Select(e => $"{e.Id}:k{e.Key}@{e.Time - EventGen.Base}"))}]",
                WatermarkStep p => $"wm{(p.Watermark == Watermark.EndOfStream ? "=end" : (p.Watermark - EventGen.Base).ToString())}",
                _ => "?",
            }));
    }

    /// <summary>Random batches of disordered records (on one or two sides) with advancing watermarks in between, ending the stream.</summary>
    private static Gen<Scenario> Scenarios(bool twoSides) =>
        from window in Gen.Elements(EventGen.Windows)
        from events in EventGen.Disordered(maxCount: 120)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Scenario(window, Interleave(events, new Random(seed), twoSides));

    internal static List<Step> Interleave(Ev[] events, Random rnd, bool twoSides)
    {
        var steps = new List<Step>();
        long watermark = Watermark.None;
        int i = 0;
        while (i < events.Length)
        {
            int n = Math.Min(events.Length - i, rnd.Next(1, 9));
            steps.Add(new Batch(twoSides ? rnd.Next(2) : 0, events[i..(i + n)]));
            i += n;
            if (rnd.Next(3) == 0)
            {
                long next = EventGen.Base + rnd.Next(-20, 330) * 10; // often exactly at a window end
                if (next > watermark) steps.Add(new WatermarkStep(watermark = next)); // the host only reports progress
            }
        }
        steps.Add(new WatermarkStep(Watermark.EndOfStream));
        return steps;
    }

    /// <summary>Drives <paramref name="op"/> through the scenario exactly as a host would.</summary>
    private static Collect<WindowResult<int, TOut>> Drive<TAcc, TOut>(Scenario sc, WindowAggregateOperator<Ev, int, TAcc, TOut> op)
    {
        var output = new Collect<WindowResult<int, TOut>>();
        for (int i = 0; i < sc.Steps.Count; i++)
        {
            output.Step = i;
            switch (sc.Steps[i])
            {
                case Batch b:
                    op.OnRecords([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
                    break;
                case WatermarkStep p:
                    op.OnWatermark(p.Watermark, output);
                    break;
            }
        }
        return output;
    }

    private static void CheckAggregate<TAcc, TOut>(Scenario sc, IAggregate<Ev, TAcc, TOut> aggregate, Func<List<Ev>, TOut> expected)
    {
        var late = new List<Ev>();
        var op = new WindowAggregateOperator<Ev, int, TAcc, TOut>(sc.Window, e => e.Key, aggregate, late.Add);
        var output = Drive(sc, op);
        var oracle = WindowOracle.Run(sc.Steps, sc.Window);

        var want = oracle.Windows
            .Select(w => (w.Key.Key, w.Key.Start, End: w.Key.Start + sc.Window.Size, Value: expected(w.Value.Left), Stamp: w.Key.Start + sc.Window.Size - 1, Step: oracle.FiredAt[w.Key]))
            .OrderBy(r => r.Start).ThenBy(r => r.Key).ToList();
        var got = output.Items
            .Select(r => (r.Item.Key, r.Item.Start, r.Item.End, r.Item.Value, Stamp: r.Time, r.Step))
            .OrderBy(r => r.Start).ThenBy(r => r.Key).ToList();
        Assert.Equal(want, got);
        Assert.Equal(oracle.Late[0].Select(e => e.Id), late.Select(e => e.Id));
        Assert.Equal(oracle.Late[0].Count, op.LateRecords);
    }

    [Property(MaxTest = 100)]
    public Property Count_sum_min_max_average_and_custom_match_the_oracle() =>
        Prop.ForAll(Scenarios(twoSides: false).ToArbitrary(), sc =>
        {
            CheckAggregate(sc, new CountAggregate<Ev>(), rs => (long)rs.Count);
            CheckAggregate(sc, new SumAggregate<Ev, double>(e => e.Value), rs => rs.Sum(e => (double)e.Value));
            CheckAggregate(sc, new MinAggregate<Ev, double>(e => e.Value), rs => rs.Min(e => (double)e.Value));
            CheckAggregate(sc, new MaxAggregate<Ev, double>(e => e.Value), rs => rs.Max(e => (double)e.Value));
            CheckAggregate(sc, new AverageAggregate<Ev>(e => e.Value), Aggregates.Average);
            CheckAggregate(sc, new DelegateAggregate<Ev, string, string>(() => "", (acc, e) => acc.Length == 0 ? $"{e.Id}" : $"{acc},{e.Id}", acc => acc), Aggregates.Ids);
        });

    /// <summary>Runs the scenario's steps through a join, each result tagged with the step that emitted it.</summary>
    private static Collect<(int L, int R)> DriveJoin(Scenario sc, WindowJoinOperator<Ev, Ev, int, (int L, int R)> op)
    {
        var output = new Collect<(int L, int R)>();
        for (int i = 0; i < sc.Steps.Count; i++)
        {
            output.Step = i;
            switch (sc.Steps[i])
            {
                case Batch { Side: 0 } b: op.OnLeft([.. b.Records], [.. b.Records.Select(e => e.Time)], output); break;
                case Batch b: op.OnRight([.. b.Records], [.. b.Records.Select(e => e.Time)], output); break;
                case WatermarkStep p: op.OnWatermark(p.Watermark, output); break;
            }
        }
        return output;
    }

    [Property(MaxTest = 100)]
    public Property Join_matches_a_nested_loop_over_both_sides() =>
        Prop.ForAll(Scenarios(twoSides: true).ToArbitrary(), sc =>
        {
            var op = new WindowJoinOperator<Ev, Ev, int, (int L, int R)>(sc.Window, e => e.Key, e => e.Key, (l, r, _) => (l.Id, r.Id));
            var output = DriveJoin(sc, op);
            var oracle = WindowOracle.Run(sc.Steps, sc.Window);
            var left = sc.Steps.OfType<Batch>().Where(b => b.Side == 0).SelectMany(b => b.Records);
            var right = sc.Steps.OfType<Batch>().Where(b => b.Side == 1).SelectMany(b => b.Records);
            var want = WindowOracle.JoinPairs(oracle, left, right)
                .Select(p => (p.Left, p.Right, p.Start, Step: oracle.FiredAt[(sc.Steps.OfType<Batch>().SelectMany(b => b.Records).First(e => e.Id == p.Left).Key, p.Start)]))
                .Order().ToList();
            var got = output.Items.Select(r => (r.Item.L, r.Item.R, Start: r.Time - sc.Window.Size + 1, r.Step)).Order().ToList();
            Assert.Equal(want, got);
            Assert.Equal(oracle.LateCount, op.LateRecords);
        });

    /// <summary>
    /// Drives <paramref name="op"/> as a host that cuts firings into slices of <paramref name="slice"/>
    /// results would: each watermark is applied at once (so lateness is as the steps make it), its
    /// firing is queued, and one slice of the queued firings runs after each step, oldest first, with
    /// records of later steps arriving in between. The stream's end drains what is left.
    /// </summary>
    private static void DriveSliced<TOut>(Scenario sc, IResumableFiring<TOut> op, Action<Batch> onBatch, IOutput<TOut> output, int slice)
    {
        var due = new Queue<long>();
        void OneSlice()
        {
            int budget = slice;
            while (due.Count > 0 && op.Fire(due.Peek(), output, ref budget)) due.Dequeue();
        }
        foreach (var step in sc.Steps)
        {
            switch (step)
            {
                case Batch b: onBatch(b); break;
                case WatermarkStep p:
                    op.Advance(p.Watermark);
                    due.Enqueue(p.Watermark);
                    break;
            }
            OneSlice();
        }
        while (due.Count > 0) OneSlice();
    }

    [Property(MaxTest = 100)]
    public Property Aggregates_fired_in_slices_with_records_arriving_between_them_match_the_oracle() =>
        Prop.ForAll(Scenarios(twoSides: false).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), (sc, slice) =>
        {
            var late = new List<Ev>();
            var op = new WindowAggregateOperator<Ev, int, string, string>(sc.Window, e => e.Key,
                new DelegateAggregate<Ev, string, string>(() => "", (acc, e) => acc.Length == 0 ? $"{e.Id}" : $"{acc},{e.Id}", acc => acc), late.Add);
            var output = new Collect<WindowResult<int, string>>();
            DriveSliced(sc, op, b => op.OnRecords([.. b.Records], [.. b.Records.Select(e => e.Time)], output), output, slice);
            var oracle = WindowOracle.Run(sc.Steps, sc.Window);

            var want = oracle.Windows.Select(w => (w.Key.Key, w.Key.Start, Value: Aggregates.Ids(w.Value.Left), Stamp: w.Key.Start + sc.Window.Size - 1)).Order().ToList();
            var got = output.Items.Select(r => (r.Item.Key, r.Item.Start, r.Item.Value, Stamp: r.Time)).Order().ToList();
            Assert.Equal(want, got);
            Assert.Equal(oracle.Late[0].Select(e => e.Id), late.Select(e => e.Id));
            // Oldest window first, across slices: results come in window order.
            Assert.Equal(output.Items.Select(r => r.Item.Start).Order(), output.Items.Select(r => r.Item.Start));
        });

    [Property(MaxTest = 100)]
    public Property A_join_emitting_pairs_as_they_form_emits_each_pair_once_when_its_second_record_arrives() =>
        Prop.ForAll(Scenarios(twoSides: true).ToArbitrary(), sc =>
        {
            var op = new WindowJoinOperator<Ev, Ev, int, (int L, int R)>(sc.Window, e => e.Key, e => e.Key, (l, r, _) => (l.Id, r.Id), emitPairsEarly: true);
            var output = DriveJoin(sc, op);
            var oracle = WindowOracle.Run(sc.Steps, sc.Window);
            var left = sc.Steps.OfType<Batch>().Where(b => b.Side == 0).SelectMany(b => b.Records);
            var right = sc.Steps.OfType<Batch>().Where(b => b.Side == 1).SelectMany(b => b.Records);
            var arrivedAt = sc.Steps.Select((step, i) => (step, i)).Where(x => x.step is Batch)
                .SelectMany(x => ((Batch)x.step).Records.Select(e => (e.Id, Step: x.i))).ToDictionary(x => x.Id, x => x.Step);
            // The same pairs, stamped the same, each in the step that brings the later of its two records.
            var want = WindowOracle.JoinPairs(oracle, left, right)
                .Select(p => (p.Left, p.Right, p.Start, Step: Math.Max(arrivedAt[p.Left], arrivedAt[p.Right])))
                .Order().ToList();
            var got = output.Items.Select(r => (r.Item.L, r.Item.R, Start: r.Time - sc.Window.Size + 1, r.Step)).Order().ToList();
            Assert.Equal(want, got);
            Assert.Equal(oracle.LateCount, op.LateRecords);
        });

    [Property(MaxTest = 100)]
    public Property A_join_fired_in_slices_with_records_arriving_between_them_matches_a_nested_loop() =>
        Prop.ForAll(Scenarios(twoSides: true).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), (sc, slice) =>
        {
            var op = new WindowJoinOperator<Ev, Ev, int, (int L, int R)>(sc.Window, e => e.Key, e => e.Key, (l, r, _) => (l.Id, r.Id));
            var output = new Collect<(int L, int R)>();
            DriveSliced(sc, op, b =>
            {
                if (b.Side == 0) op.OnLeft([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
                else op.OnRight([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
            }, output, slice);
            var oracle = WindowOracle.Run(sc.Steps, sc.Window);
            var left = sc.Steps.OfType<Batch>().Where(b => b.Side == 0).SelectMany(b => b.Records);
            var right = sc.Steps.OfType<Batch>().Where(b => b.Side == 1).SelectMany(b => b.Records);
            var want = WindowOracle.JoinPairs(oracle, left, right).Order().ToList();
            var got = output.Items.Select(r => (r.Item.L, r.Item.R, Start: r.Time - sc.Window.Size + 1)).Order().ToList();
            Assert.Equal(want, got);
            Assert.Equal(oracle.LateCount, op.LateRecords);
        });

    [Fact]
    public void A_record_that_misses_some_sliding_windows_is_counted_in_the_rest_and_is_not_late()
    {
        var window = new WindowSpec(300, 100);
        var late = new List<Ev>();
        var op = new WindowAggregateOperator<Ev, int, long, long>(window, e => e.Key, new CountAggregate<Ev>(), late.Add);
        var output = new Collect<WindowResult<int, long>>();
        op.OnWatermark(1000, output);
        op.OnRecords([new Ev(1, 0, 950, 0)], [950], output); // windows [700,1000) closed; [800,1100) and [900,1200) open
        op.OnRecords([new Ev(2, 0, 999, 0)], [999], output);  // same windows as 950
        op.OnRecords([new Ev(3, 0, 899, 0)], [899], output);  // [600,900), [700,1000) closed; [800,1100) open
        op.OnRecords([new Ev(4, 0, 799, 0)], [799], output);  // every window holding it has closed: late
        op.OnWatermark(Watermark.EndOfStream, output);

        Assert.Equal([4], late.Select(e => e.Id));
        Assert.Equal(1, op.LateRecords);
        Assert.Equal([(800L, 3L), (900L, 2L)], output.Items.Select(r => (r.Item.Start, r.Item.Value)).Order());
    }

    [Fact]
    public void Windows_fire_oldest_first_when_the_watermark_reaches_their_end_and_results_are_stamped_end_minus_one()
    {
        var window = WindowSpec.Tumbling(TimeSpan.FromMilliseconds(100));
        var op = new WindowAggregateOperator<Ev, int, long, long>(window, e => e.Key, new CountAggregate<Ev>());
        var output = new Collect<WindowResult<int, long>>();
        op.OnRecords([new Ev(0, 0, 250, 0), new Ev(1, 0, 50, 0), new Ev(2, 0, 199, 0)], [250, 50, 199], output);
        op.OnWatermark(199, output);
        Assert.Equal([(0L, 100L, 99L)], output.Items.Select(r => (r.Item.Start, r.Item.End, r.Time)));
        op.OnWatermark(200, output);
        Assert.Equal([0L, 100L], output.Items.Select(r => r.Item.Start));
        Assert.Equal(199, output.Items[1].Time);
        op.OnWatermark(Watermark.EndOfStream, output);
        Assert.Equal([0L, 100L, 200L], output.Items.Select(r => r.Item.Start));
    }
}
