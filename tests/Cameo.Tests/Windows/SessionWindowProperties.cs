using Cameo.Operators;
using Cameo.Progress;
using Cameo.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Windows;

/// <summary>
/// Session windows driven step by step against a brute-force model that regroups a key's records
/// from scratch at every step: records less than a gap apart share a session; a record is late if
/// the session it would join ends, plus the allowed lateness, at or before the watermark; a session
/// is emitted once the watermark reaches its end, and again whenever a record changes it after
/// that; sessions are forgotten once the watermark passes their end plus the allowed lateness.
/// </summary>
public class SessionWindowProperties
{
    internal sealed record Scenario(long Gap, long Lateness, IReadOnlyList<Step> Steps)
    {
        public override string ToString() =>
            $"gap {Gap}, lateness {Lateness}: " + string.Join(" ", Steps.Select(s => s switch
            {
                Batch b => $"[{string.Join(",", b.Records.Select(e => $"{e.Id}:k{e.Key}@{e.Time - EventGen.Base}"))}]",
                WatermarkStep p => $"wm{(p.Watermark == Watermark.EndOfStream ? "=end" : (p.Watermark - EventGen.Base).ToString())}",
                _ => "?",
            }));
    }

    private static readonly Gen<Scenario> Scenarios =
        from gap in Gen.Elements(10L, 40L, 150L, 600L)
        from lateness in Gen.Elements(0L, 0L, 100L, 700L)
        from events in EventGen.Disordered(maxCount: 100, keys: 3)
        from seed in Gen.Choose(0, int.MaxValue)
        select new Scenario(gap, lateness, WindowOperatorProperties.Interleave(events, new Random(seed), twoSides: false));

    /// <summary>What the operator must emit (key, start, end, ids in order) and which records are late.</summary>
    internal static (List<(int Key, long Start, long End, string Ids)> Emitted, List<int> Late) Model(IEnumerable<Step> steps, long gap, long lateness)
    {
        var live = new Dictionary<int, List<Ev>>();
        var emitted = new List<(int, long, long, string)>();
        var seen = new HashSet<(int, string)>();
        var late = new List<int>();
        long watermark = Watermark.None;

        List<List<Ev>> Sessions(List<Ev> records)
        {
            var groups = new List<List<Ev>>();
            foreach (var e in records.OrderBy(e => e.Time))
                if (groups.Count > 0 && e.Time - groups[^1][^1].Time < gap) groups[^1].Add(e);
                else groups.Add([e]);
            return groups;
        }
        long End(List<Ev> s) => s[^1].Time + gap;
        void EmitIfEnded(int key, List<Ev> s)
        {
            if (watermark == Watermark.None || End(s) > watermark) return;
            string ids = string.Join(",", s.Select(e => e.Id).Order());
            if (seen.Add((key, ids))) emitted.Add((key, s[0].Time, End(s), ids));
        }

        foreach (var step in steps)
        {
            switch (step)
            {
                case Batch b:
                    foreach (var e in b.Records)
                    {
                        var records = live.TryGetValue(e.Key, out var l) ? l : live[e.Key] = [];
                        var session = Sessions([.. records, e]).Single(s => s.Contains(e));
                        if (watermark != Watermark.None && End(session) + lateness <= watermark) { late.Add(e.Id); continue; }
                        records.Add(e);
                        EmitIfEnded(e.Key, session);
                    }
                    break;
                case WatermarkStep p when p.Watermark > watermark:
                    watermark = p.Watermark;
                    foreach (var (key, records) in live)
                        foreach (var s in Sessions(records))
                        {
                            EmitIfEnded(key, s);
                            if (watermark == Watermark.EndOfStream || End(s) + lateness <= watermark) records.RemoveAll(s.Contains);
                        }
                    break;
            }
        }
        return (emitted, late);
    }

    [Property(MaxTest = 200)]
    public Property Sessions_merge_fire_update_and_go_late_as_the_model_says() =>
        Prop.ForAll(Scenarios.ToArbitrary(), sc =>
        {
            var op = new SessionWindowOperator<Ev, int, List<int>, string>(sc.Gap, e => e.Key,
                new DelegateAggregate<Ev, List<int>, string>(() => [], (acc, e) => { acc.Add(e.Id); return acc; }, acc => string.Join(",", acc.Order())),
                sc.Lateness);
            var late = new Collect<Ev>();
            op.LateOutput = late;
            var output = new Collect<WindowResult<int, string>>();
            long watermark = Watermark.None;
            foreach (var step in sc.Steps)
            {
                if (step is Batch b) op.OnRecords([.. b.Records], [.. b.Records.Select(e => e.Time)], output);
                else if (step is WatermarkStep p && p.Watermark > watermark) op.OnWatermark(watermark = p.Watermark, output);
            }
            var (emitted, lateIds) = Model(sc.Steps, sc.Gap, sc.Lateness);
            Assert.Equal(emitted.Order(), output.Items.Select(r => (r.Item.Key, r.Item.Start, r.Item.End, r.Item.Value)).Order());
            Assert.All(output.Items, r => Assert.Equal(r.Item.End - 1, r.Time));
            Assert.Equal(lateIds.Order(), late.Items.Select(r => r.Item.Id).Order());
            Assert.Equal(lateIds.Count, op.LateRecords);
            Assert.Equal(0, op.OpenSessions); // the end of the stream fires and forgets every session
        });

    [Fact]
    public void A_late_record_within_the_allowed_lateness_bridges_two_fired_sessions_into_one_update()
    {
        var op = new SessionWindowOperator<Ev, int, long, long>(100, e => e.Key, new CountAggregate<Ev>(), allowedLatenessMs: 1000);
        var output = new Collect<WindowResult<int, long>>();
        op.OnRecords([new Ev(0, 0, 1000, 0), new Ev(1, 0, 1150, 0)], [1000, 1150], output);
        op.OnWatermark(1300, output); // both sessions [1000,1100) and [1150,1250) end and fire
        op.OnRecords([new Ev(2, 0, 1080, 0)], [1080], output); // within 100 of both: bridges them
        Assert.Equal([(1000L, 1100L, 1L), (1150L, 1250L, 1L), (1000L, 1250L, 3L)], output.Items.Select(r => (r.Item.Start, r.Item.End, r.Item.Value)));
        Assert.Equal(0, op.LateRecords);
    }
}
