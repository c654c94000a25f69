using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cameo.Workloads.Nexmark;
using FsCheck.Xunit;

namespace Cameo.Workloads.Tests.Nexmark;

/// <summary>
/// The hand-written reader of NEXMark lines against System.Text.Json's own polymorphic read (the
/// oracle): the same events from the same lines, in any field order, and a clear error for lines
/// that are not events.
/// </summary>
public class NexmarkJsonTests
{
    private static readonly NexmarkGenerator Generator = new(seed: 5, maxDelayMs: 3_000);

    [Fact]
    public void Reads_every_kind_of_event_as_the_serializer_does()
    {
        foreach (var e in Generator.Events(2_000).Append(new Bid(1, 2, 3, 4, "padding \"quoted\" é")))
        {
            string line = NexmarkJson.Serialize(e);
            var oracle = JsonSerializer.Deserialize<NexmarkEvent>(line, NexmarkJson.Options);
            Assert.Equal(oracle, NexmarkJson.Parse(line));
            Assert.Equal(oracle, NexmarkJson.Parse(Encoding.UTF8.GetBytes(line)));
        }
    }

    [Property(MaxTest = 200)]
    public bool Field_order_and_unknown_fields_do_not_matter(int index, int shuffleSeed)
    {
        var e = Generator.Event(Math.Abs((long)index) % 5_000);
        var fields = JsonNode.Parse(NexmarkJson.Serialize(e))!.AsObject().Select(p => (p.Key, Value: p.Value!.ToJsonString())).ToList();
        fields.Add(("unknownField", "{\"nested\":[1,2,{\"x\":null}]}"));
        var random = new Random(shuffleSeed);
        string shuffled = "{" + string.Join(",", fields.OrderBy(_ => random.Next()).Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
        return Equals(e, NexmarkJson.Parse(shuffled));
    }

    [Theory]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"type\":\"bid\",\"auction\":1,\"bidder\":2,\"price\":3}", "The bid has no \"dateTime\"")]
    [InlineData("{\"auction\":1,\"bidder\":2,\"price\":3,\"dateTime\":4}", "no \"type\"")]
    [InlineData("{\"type\":\"sale\",\"dateTime\":4}", "Unknown NEXMark event type \"sale\"")]
    [InlineData("{\"type\":\"bid\",\"auction\":\"one\",\"bidder\":2,\"price\":3,\"dateTime\":4}", "\"auction\" must be an integer")]
    [InlineData("{\"type\":\"bid\",\"auction\":1.5,\"bidder\":2,\"price\":3,\"dateTime\":4}", "\"auction\" must be an integer")]
    [InlineData("{\"type\":\"person\",\"id\":1,\"name\":7,\"emailAddress\":\"a\",\"creditCard\":\"c\",\"city\":\"x\",\"state\":\"y\",\"dateTime\":4}", "\"name\" must be a string")]
    [InlineData("{\"type\":\"bid\",\"auction\":1,\"bidder\":2,\"price\":3,\"dateTime\":4} {}", "")]
    [InlineData("{\"type\":\"bid\",\"auction\":1", "")]
    public void A_line_that_is_not_an_event_is_a_JsonException_that_says_why(string line, string reason)
    {
        var error = Assert.ThrowsAny<JsonException>(() => NexmarkJson.Parse(line));
        Assert.Contains(reason, error.Message);
    }
}
