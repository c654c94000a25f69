using System.Text.Json;

namespace Cameo.Workloads.Nexmark;

/// <summary>NEXMark events as JSON lines (<c>{"type":"bid",...}</c>), as a benchmark input file holds them.</summary>
public static class NexmarkJson
{
    /// <summary>Serializes an event with its type discriminator, and reads it back as <see cref="NexmarkEvent"/>.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Type != typeof(NexmarkEvent)) return;
                    info.PolymorphismOptions = new()
                    {
                        TypeDiscriminatorPropertyName = "type",
                        DerivedTypes = { new(typeof(Person), "person"), new(typeof(Auction), "auction"), new(typeof(Bid), "bid") },
                    };
                },
            },
        },
    };

    /// <summary>One event as a JSON line.</summary>
    public static string Serialize(NexmarkEvent e) => JsonSerializer.Serialize(e, Options);

    /// <summary>Parses one JSON line.</summary>
    /// <exception cref="JsonException">The line is not a NEXMark event.</exception>
    public static NexmarkEvent Parse(string line) =>
        JsonSerializer.Deserialize<NexmarkEvent>(line, Options) ?? throw new JsonException("The line is JSON null, not a NEXMark event.");
}
