using System.Text;
using Cameo.Workloads.Ysb;
using FsCheck.Xunit;

namespace Cameo.Workloads.Tests.Ysb;

public class YsbGeneratorTests
{
    private const long T0 = 1_700_000_000_000;

    [Fact]
    public void Same_seed_gives_the_same_table_events_and_bytes()
    {
        var a = new YsbGenerator(new YsbCampaigns(7), 7);
        var b = new YsbGenerator(new YsbCampaigns(7), 7);
        Assert.Equal(a.Campaigns.CampaignIds, b.Campaigns.CampaignIds);
        Assert.Equal(a.Campaigns.AdIds, b.Campaigns.AdIds);
        for (long i = 0; i < 1_000; i++)
        {
            Assert.Equal(a.Event(i, T0 + i), b.Event(i, T0 + i));
            Assert.Equal(a.JsonLine(i, T0 + i), b.JsonLine(i, T0 + i));
        }
    }

    [Fact]
    public void Different_seeds_give_different_ids_and_events()
    {
        var a = new YsbGenerator(new YsbCampaigns(1), 1);
        var b = new YsbGenerator(new YsbCampaigns(2), 2);
        Assert.Empty(a.Campaigns.AdIds.Intersect(b.Campaigns.AdIds));
        int same = Enumerable.Range(0, 1_000).Count(i => a.Event(i, T0).AdIndex == b.Event(i, T0).AdIndex);
        Assert.True(same < 20, $"{same} of 1000 events drew the same ad under both seeds");
    }

    [Fact]
    public void Table_has_ysb_shape_with_distinct_uuids()
    {
        var table = new YsbCampaigns(3);
        Assert.Equal(100, table.CampaignIds.Count);
        Assert.Equal(1_000, table.AdIds.Count);
        Assert.Equal(1_100, table.CampaignIds.Concat(table.AdIds).Distinct().Count());
        Assert.All(table.AdIds, id => Assert.True(Guid.TryParseExact(id, "D", out _)));
        for (int ad = 0; ad < 1_000; ad++)
        {
            Assert.Equal(ad / 10, table.CampaignOf(ad));
            Assert.Equal(ad, table.AdIndexOf(Guid.Parse(table.AdIds[ad])));
        }
    }

    [Fact]
    public void Event_types_and_ads_are_drawn_uniformly()
    {
        var generator = new YsbGenerator(new YsbCampaigns(5), 5);
        const int N = 60_000;
        var events = Enumerable.Range(0, N).Select(i => generator.Event(i, T0)).ToList();
        foreach (var type in Enum.GetValues<YsbEventType>())
        {
            double share = events.Count(e => e.EventType == type) / (double)N;
            Assert.InRange(share, 0.32, 0.347);
        }
        var perCampaign = events.GroupBy(e => generator.Campaigns.CampaignOf(e.AdIndex)).Select(g => g.Count()).ToList();
        Assert.Equal(100, perCampaign.Count);
        Assert.All(perCampaign, n => Assert.InRange(n, N / 100 * 0.8, N / 100 * 1.2));
    }

    [Fact]
    public void Json_has_every_ysb_field_as_a_string()
    {
        var generator = new YsbGenerator(new YsbCampaigns(9), 9);
        string line = Encoding.UTF8.GetString(generator.JsonLine(12, T0));
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        string[] fields = ["user_id", "page_id", "ad_id", "ad_type", "event_type", "event_time", "ip_address"];
        Assert.Equal(fields, doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.All(doc.RootElement.EnumerateObject(), p => Assert.Equal(System.Text.Json.JsonValueKind.String, p.Value.ValueKind));
        Assert.Equal(T0.ToString(), doc.RootElement.GetProperty("event_time").GetString());
        Assert.Contains(doc.RootElement.GetProperty("ad_id").GetString(), generator.Campaigns.AdIds);
    }

    [Property(MaxTest = 300)]
    public bool Parsing_the_json_of_an_event_gives_the_event(int seed, uint index, uint offsetMs)
    {
        var generator = new YsbGenerator(new YsbCampaigns(seed), seed);
        long time = T0 + offsetMs;
        return new YsbParser(generator.Campaigns).Parse(generator.JsonLine(index, time)) == generator.Event(index, time);
    }

    [Fact]
    public async Task Trace_replay_moves_each_pass_forward_by_the_trace_span()
    {
        var generator = new YsbGenerator(new YsbCampaigns(4), 4);
        var trace = new YsbTrace(generator, 1_000, T0, eventsPerSecond: 10_000);
        Assert.Equal(101, trace.SpanMs);
        var items = new YsbEvent[2_500];
        var reader = trace.ReplayEvents(total: 2_500).Open(0, 1, new Cameo.Operators.SourceContext(_ => { }));
        var read = await reader.ReadAsync(items, new long[items.Length], 0, default);
        Assert.Equal(2_500, read.Count);
        Assert.True(read.Completed);
        for (int i = 0; i < items.Length; i++)
            Assert.Equal(trace.Events[i % 1_000] with { EventTime = trace.Events[i % 1_000].EventTime + i / 1_000 * trace.SpanMs }, items[i]);
        Assert.True(items.Zip(items.Skip(1)).All(p => p.First.EventTime <= p.Second.EventTime), "event time must not go back between passes");
    }
}
