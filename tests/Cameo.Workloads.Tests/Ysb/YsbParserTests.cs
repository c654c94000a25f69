using System.Text;
using Cameo.Workloads.Ysb;

namespace Cameo.Workloads.Tests.Ysb;

public class YsbParserTests
{
    private static readonly YsbCampaigns Table = new(11);
    private static readonly YsbParser Parser = new(Table);
    private static string Ad(int i) => Table.AdIds[i];

    private static YsbEvent Parse(string json) => Parser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Reads_fields_in_any_order_skipping_unknown_ones_and_accepts_numeric_times()
    {
        var e = Parse($$"""{"event_time": 1700000000123, "extra": {"nested": [1, 2, {"x": "y"}]}, "event_type": "click", "ad_id": "{{Ad(42)}}"}""");
        Assert.Equal(new YsbEvent(42, YsbEventType.Click, 1_700_000_000_123), e);
    }

    [Fact]
    public void Other_spellings_of_a_known_ad_id_resolve_to_the_same_ad()
    {
        string upper = Ad(77).ToUpperInvariant();
        string escaped = Ad(77).Replace("-", "\\u002d");
        foreach (string spelled in new[] { upper, escaped })
            Assert.Equal(77, Parse($$"""{"ad_id": "{{spelled}}", "event_type": "view", "event_time": "5"}""").AdIndex);
    }

    [Fact]
    public void Every_canonical_ad_id_is_found_by_its_bytes()
    {
        for (int ad = 0; ad < Table.AdIds.Count; ad++)
            Assert.Equal(ad, Table.AdIndexOfCanonical(Encoding.UTF8.GetBytes(Table.AdIds[ad])));
        Assert.Equal(-1, Table.AdIndexOfCanonical(Encoding.UTF8.GetBytes(Table.CampaignIds[0])));
        Assert.Equal(-1, Table.AdIndexOfCanonical(Encoding.UTF8.GetBytes(Table.AdIds[0].ToUpperInvariant())));
        Assert.Equal(-1, Table.AdIndexOfCanonical("short"u8));
    }

    [Fact]
    public void An_ad_the_table_does_not_know_parses_to_index_minus_one()
    {
        var e = Parse($$"""{"ad_id": "{{Guid.Empty}}", "event_type": "view", "event_time": "5"}""");
        Assert.Equal(-1, e.AdIndex);
    }

    [Theory]
    [InlineData("""{"ad_id": "AD", "event_type": "view", "event_time": "17""", "malformed JSON")]
    [InlineData("""["ad_id"]""", "must be a JSON object")]
    [InlineData("""{"ad_id": "AD", "event_type": "view"}""", "missing field event_time")]
    [InlineData("""{"event_type": "view", "event_time": "1"}""", "missing field ad_id")]
    [InlineData("""{"ad_id": "AD", "event_type": "like", "event_time": "1"}""", "event_type must be")]
    [InlineData("""{"ad_id": "not-a-uuid", "event_type": "view", "event_time": "1"}""", "ad_id must be a UUID")]
    [InlineData("""{"ad_id": "AD", "event_type": "view", "event_time": "12:00"}""", "event_time must be an integer")]
    [InlineData("""{"ad_id": "AD", "event_type": "view", "event_time": "1"} trailing""", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    public void Bad_lines_are_rejected_with_the_reason_and_the_line(string json, string reason)
    {
        json = json.Replace("AD", Ad(0));
        var ex = Assert.Throws<YsbFormatException>(() => Parse(json));
        Assert.Contains(reason, ex.Message);
        Assert.Contains(json.Length > 40 ? json[..40] : json, ex.Message);
        Assert.False(Parser.TryParse(Encoding.UTF8.GetBytes(json), out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Parsing_allocates_nothing()
    {
        var generator = new YsbGenerator(Table, 11);
        var lines = Enumerable.Range(0, 256).Select(i => generator.JsonLine(i, 1_700_000_000_000 + i)).ToArray();
        long sum = 0;
        foreach (var line in lines) sum += Parser.Parse(line).AdIndex; // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
            foreach (var line in lines) sum += Parser.Parse(line).AdIndex;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
