using Cameo.Operators;
using Cameo.Progress;
using Cameo.Tests.Support;
using Cameo.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Windows;

/// <summary>
/// The stream–table join driven step by step against its definition: a stream record (side 0)
/// stamped <c>t</c>, not behind the watermark when it comes, is emitted at the first watermark at or
/// past <c>t</c>, paired with the row (side 1) of its key with the largest time at or below <c>t</c>
/// among the rows received by then (of equal times, the one received last); a record already at or
/// behind the watermark is late.
/// </summary>
public class TableJoinProperties
{
    private static readonly Gen<IReadOnlyList<Step>> Scenarios =
        from events in EventGen.Disordered(maxCount: 120, keys: 3)
        from seed in Gen.Choose(0, int.MaxValue)
        select (IReadOnlyList<Step>)WindowOperatorProperties.Interleave(events, new Random(seed), twoSides: true);

    [Property(MaxTest = 300)]
    public Property Each_record_meets_its_keys_row_as_of_its_event_time() =>
        Prop.ForAll(Scenarios.ToArbitrary(), steps => Check(steps, stateExpiryMs: 0));

    /// <summary>
    /// With state expiry, a record meets its key's row as of its event time only if that row is less
    /// than the expiry older than the record; otherwise it yields nothing, whenever the state was dropped.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property With_state_expiry_each_record_meets_its_keys_row_only_within_the_expiry() =>
        Prop.ForAll(Scenarios.ToArbitrary(), Gen.Elements(1L, 3L, 10L, 40L).ToArbitrary(), (steps, expiry) => Check(steps, expiry));

    private static void Check(IReadOnlyList<Step> steps, long stateExpiryMs)
    {
        var op = new TableJoinOperator<Ev, Ev, int, (int Record, int Row)>(e => e.Key, r => r.Key, (e, r) => (e.Id, r.Id), stateExpiryMs);
        var late = new Collect<Ev>();
        op.LateLeftOutput = late;
        var output = new Collect<(int Record, int Row)>();
        long watermark = Watermark.None;
        for (int i = 0; i < steps.Count; i++)
        {
            output.Step = i;
            if (steps[i] is Batch b)
            {
                if (b.Side == 0) op.OnLeft([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
                else op.OnRight([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
            }
            else if (steps[i] is WatermarkStep p && p.Watermark > watermark) op.OnWatermark(watermark = p.Watermark, output);
        }

        // The definition, by brute force over the steps.
        var want = new List<(int, int, long, int)>();
        var wantLate = new List<int>();
        var waiting = new List<Ev>();
        var rows = new List<(Ev Row, int Received)>();
        watermark = Watermark.None;
        for (int i = 0; i < steps.Count; i++)
        {
            switch (steps[i])
            {
                case Batch { Side: 0 } b:
                    foreach (var e in b.Records)
                        if (watermark != Watermark.None && e.Time <= watermark) wantLate.Add(e.Id);
                        else waiting.Add(e);
                    break;
                case Batch b:
                    rows.AddRange(b.Records.Select(r => (r, rows.Count)));
                    break;
                case WatermarkStep p when p.Watermark > watermark:
                    watermark = p.Watermark;
                    foreach (var e in waiting.Where(e => e.Time <= watermark).ToList())
                    {
                        waiting.Remove(e);
                        var version = rows.Where(r => r.Row.Key == e.Key && r.Row.Time <= e.Time)
                            .OrderBy(r => r.Row.Time).ThenBy(r => r.Received).Select(r => r.Row).LastOrDefault();
                        if (version is not null && (stateExpiryMs == 0 || e.Time - version.Time < stateExpiryMs)) want.Add((e.Id, version.Id, e.Time, i));
                    }
                    break;
            }
        }
        var byId = steps.OfType<Batch>().SelectMany(b => b.Records).ToDictionary(e => e.Id);
        Assert.Equal(want.Order(), output.Items.Select(o => (o.Item.Record, o.Item.Row, o.Time, o.Step)).Order());
        Assert.Equal(wantLate.Order(), late.Items.Select(l => l.Item.Id).Order());
    }

    [Fact]
    public void With_state_expiry_an_ever_growing_key_space_keeps_only_the_keys_updated_within_the_expiry()
    {
        const long expiry = 50;
        var expiring = new TableJoinOperator<long, long, long, long>(l => l, r => r, (l, r) => l + r, expiry);
        var keeping = new TableJoinOperator<long, long, long, long>(l => l, r => r, (l, r) => l + r);
        var output = new Collect<long>();
        int most = 0;
        for (long t = 0; t < 5000; t += 10)
        {
            // A new key every 10 ms (its row), read once at the same time: every key is new.
            foreach (var op in new[] { expiring, keeping })
            {
                op.OnRight([t], [t], output);
                op.OnLeft([t], [t + 1], output);
                op.OnWatermark(t, output);
            }
            most = Math.Max(most, expiring.Keys);
        }
        Assert.Equal(500, keeping.Keys);
        Assert.InRange(most, 1, (int)(expiry / 10) + 1);
        Assert.Equal(499 * 2, output.Items.Count); // each record but the last met its key's row (twice: both operators)
    }

    [Fact]
    public async Task A_stream_table_join_end_to_end_sees_the_version_at_each_records_time()
    {
        // One source: prices (key 0) change at 100 and 300; orders at 50 (no price yet), 150, 299, 300, 450.
        Ev[] input =
        [
            new(0, 1, 100, 10), new(1, 0, 50, 0), new(2, 0, 150, 0), new(3, 1, 300, 20), new(4, 0, 299, 0), new(5, 0, 300, 0), new(6, 0, 450, 0),
        ];
        var results = new System.Collections.Concurrent.ConcurrentBag<(int Order, int Price)>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = 2);
        engine.AddQuery("enrich", TimeSpan.FromMilliseconds(100), b =>
        {
            var s = b.From(Source.From(input)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100));
            var (prices, orders) = s.Split(e => e.Key == 1);
            orders.JoinTable(prices, o => 0, p => 0, (o, p) => (o.Id, p.Value)).WithParallelism(2).To(results.Add);
        });
        await engine.RunAsync().WaitAsync(Within.Run);
        Assert.Equal([(2, 10), (4, 10), (5, 20), (6, 20)], results.Order());
    }

    [Fact]
    public async Task A_stream_table_join_with_state_expiry_end_to_end_meets_only_rows_within_the_expiry()
    {
        // The same input; a price counts for 100 ms after it was set.
        Ev[] input =
        [
            new(0, 1, 100, 10), new(1, 0, 50, 0), new(2, 0, 150, 0), new(3, 1, 300, 20), new(4, 0, 299, 0), new(5, 0, 300, 0), new(6, 0, 450, 0),
        ];
        var results = new System.Collections.Concurrent.ConcurrentBag<(int Order, int Price)>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = 2);
        engine.AddQuery("enrich", TimeSpan.FromMilliseconds(100), b =>
        {
            var s = b.From(Source.From(input)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100));
            var (prices, orders) = s.Split(e => e.Key == 1);
            // README state expiry example begin
            orders.JoinTable(prices, o => 0, p => 0, (o, p) => (o.Id, p.Value))
                .WithStateExpiry(TimeSpan.FromMilliseconds(100))
                .To(results.Add);
            // README state expiry example end
        });
        await engine.RunAsync().WaitAsync(Within.Run);
        Assert.Equal([(2, 10), (5, 20)], results.Order());
    }

    [Fact]
    public void The_readme_shows_the_state_expiry_example_as_tested()
    {
        static string Normalize(string code) => System.Text.RegularExpressions.Regex.Replace(code, @"\s+", " ").Trim();
        string file = ReadmeText.RepositoryFile("tests", "Cameo.Tests", "Windows", "TableJoinProperties.cs");
        const string begin = "// README state expiry example begin\n", end = "// README state expiry example end";
        string marked = file[(file.IndexOf(begin, StringComparison.Ordinal) + begin.Length)..file.IndexOf(end, StringComparison.Ordinal)];
        Assert.Contains(Normalize(marked), ReadmeText.CSharpBlocks("Checkpoints and recovery").Select(Normalize));
    }
}
