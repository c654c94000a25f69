using StackExchange.Redis;

namespace Cameo.Redis.Tests;

/// <summary>The ids a Redis stream reader keeps for its acknowledgements (a single-class unit test, no server).</summary>
public sealed class UnacknowledgedIdsTests
{
    private static StreamEntry[] Entries(params string[] ids) => [.. ids.Select(id => new StreamEntry(id, [new NameValueEntry("data", "{}")]))];

    [Fact]
    public void Taking_up_to_an_id_returns_the_ids_read_up_to_it_in_pages_and_keeps_the_later_ones()
    {
        var ids = new UnacknowledgedIds(limit: 100);
        ids.Add(Entries("5-0", "5-1", "9-0", "10-0"));
        ids.Add(Entries("10-1", "11-0"));

        var pages = ids.TakeUpTo("10-0", page: 3);

        Assert.Equal([["5-0", "5-1", "9-0"], ["10-0"]], pages.Select(p => p.Select(v => v.ToString()).ToArray()));
        Assert.Equal(2, ids.Count);
        Assert.Empty(ids.TakeUpTo("10-0", page: 3));
        Assert.Equal(["10-1", "11-0"], ids.TakeUpTo("99-0", page: 10).Single().Select(v => v.ToString()));
        Assert.False(ids.Overflowed);
    }

    [Fact]
    public void Past_its_limit_it_lets_go_of_every_id_and_says_so()
    {
        var ids = new UnacknowledgedIds(limit: 3);
        ids.Add(Entries("1-0", "2-0"));
        ids.Add(Entries("3-0", "4-0"));

        Assert.True(ids.Overflowed);
        Assert.Equal(0, ids.Count);
        ids.Add(Entries("5-0"));
        Assert.Equal(0, ids.Count);
    }

    [Theory]
    [InlineData("1700000000000-0", true, 1700000000000, 0)]
    [InlineData("12-345", true, 12, 345)]
    [InlineData("12", false, 0, 0)]
    [InlineData("-1", false, 0, 0)]
    [InlineData("1-x", false, 0, 0)]
    public void Ids_parse_as_milliseconds_and_sequence(string id, bool valid, long ms, long seq)
    {
        Assert.Equal(valid, UnacknowledgedIds.TryParse(id, out var parsed));
        if (valid) Assert.Equal((ms, seq), parsed);
    }
}
