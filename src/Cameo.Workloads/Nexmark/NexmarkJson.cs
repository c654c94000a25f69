using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Cameo.Workloads.Nexmark;

/// <summary>NEXMark events as JSON lines (<c>{"type":"bid",...}</c>), as a benchmark input file holds them.</summary>
/// <remarks>
/// Lines are written by System.Text.Json (<see cref="Options"/>) and read back by a
/// <see cref="Utf8JsonReader"/> that allocates only the event and its strings: the serializer's
/// polymorphic read costs about 260 bytes of garbage per event, which at half a million events a
/// second is most of a mix's allocation.
/// </remarks>
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

    /// <summary>One event as a JSON line in UTF-8.</summary>
    public static byte[] SerializeToUtf8Bytes(NexmarkEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Options);

    /// <summary>Parses one JSON line.</summary>
    /// <exception cref="JsonException">The line is not a NEXMark event; the message says why.</exception>
    public static NexmarkEvent Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(line.Length));
        try
        {
            return Parse(buffer.AsSpan(0, Encoding.UTF8.GetBytes(line, buffer)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one JSON line in UTF-8.</summary>
    /// <exception cref="JsonException">The line is not a NEXMark event; the message says why.</exception>
    public static NexmarkEvent Parse(ReadOnlySpan<byte> utf8) => Read(utf8).ToEvent();

    /// <summary>Reads one line's fields (any order; unknown fields skipped), before they become an event.</summary>
    /// <exception cref="JsonException">The line is not a JSON object of known-typed fields.</exception>
    internal static NexmarkFields Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("A NEXMark event must be a JSON object.");
        var f = default(NexmarkFields);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = NexmarkFields.FieldOf(ref reader);
            reader.Read();
            if (field == NexmarkField.None) reader.Skip();
            else f.Set(field, ref reader);
        }
        if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("The event object is not closed.");
        if (reader.Read()) throw new JsonException("Content follows the event object.");
        return f;
    }
}

/// <summary>A field of a NEXMark event's JSON line.</summary>
internal enum NexmarkField
{
    None, Type, Id, Name, EmailAddress, CreditCard, City, State, DateTime, Extra,
    ItemName, Description, InitialBid, Reserve, Expires, Seller, Category, Auction, Bidder, Price,
}

/// <summary>
/// The fields of one event as read from its line. The multi-tenant input moves ids and times here,
/// before the event is built, so that each event is allocated once.
/// </summary>
internal struct NexmarkFields
{
    private const uint PersonFields = 1u << (int)NexmarkField.Id | 1u << (int)NexmarkField.Name | 1u << (int)NexmarkField.EmailAddress
        | 1u << (int)NexmarkField.CreditCard | 1u << (int)NexmarkField.City | 1u << (int)NexmarkField.State | 1u << (int)NexmarkField.DateTime;
    private const uint AuctionFields = 1u << (int)NexmarkField.Id | 1u << (int)NexmarkField.ItemName | 1u << (int)NexmarkField.Description
        | 1u << (int)NexmarkField.InitialBid | 1u << (int)NexmarkField.Reserve | 1u << (int)NexmarkField.DateTime | 1u << (int)NexmarkField.Expires
        | 1u << (int)NexmarkField.Seller | 1u << (int)NexmarkField.Category;
    private const uint BidFields = 1u << (int)NexmarkField.Auction | 1u << (int)NexmarkField.Bidder | 1u << (int)NexmarkField.Price | 1u << (int)NexmarkField.DateTime;

    /// <summary>Which fields were read, a bit per <see cref="NexmarkField"/>.</summary>
    private uint _seen;

    public string? Type;
    public long Id, DateTime, InitialBid, Reserve, Expires, Seller, Category, Auction, Bidder, Price;
    public string? Name, EmailAddress, CreditCard, City, State, Extra, ItemName, Description;

    /// <summary>The field the reader's property name names.</summary>
    public static NexmarkField FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("type"u8) ? NexmarkField.Type
        : reader.ValueTextEquals("auction"u8) ? NexmarkField.Auction
        : reader.ValueTextEquals("bidder"u8) ? NexmarkField.Bidder
        : reader.ValueTextEquals("price"u8) ? NexmarkField.Price
        : reader.ValueTextEquals("dateTime"u8) ? NexmarkField.DateTime
        : reader.ValueTextEquals("extra"u8) ? NexmarkField.Extra
        : reader.ValueTextEquals("id"u8) ? NexmarkField.Id
        : reader.ValueTextEquals("name"u8) ? NexmarkField.Name
        : reader.ValueTextEquals("emailAddress"u8) ? NexmarkField.EmailAddress
        : reader.ValueTextEquals("creditCard"u8) ? NexmarkField.CreditCard
        : reader.ValueTextEquals("city"u8) ? NexmarkField.City
        : reader.ValueTextEquals("state"u8) ? NexmarkField.State
        : reader.ValueTextEquals("itemName"u8) ? NexmarkField.ItemName
        : reader.ValueTextEquals("description"u8) ? NexmarkField.Description
        : reader.ValueTextEquals("initialBid"u8) ? NexmarkField.InitialBid
        : reader.ValueTextEquals("reserve"u8) ? NexmarkField.Reserve
        : reader.ValueTextEquals("expires"u8) ? NexmarkField.Expires
        : reader.ValueTextEquals("seller"u8) ? NexmarkField.Seller
        : reader.ValueTextEquals("category"u8) ? NexmarkField.Category
        : NexmarkField.None;

    /// <summary>Reads the value under the reader into <paramref name="field"/>.</summary>
    public void Set(NexmarkField field, ref Utf8JsonReader reader)
    {
        _seen |= 1u << (int)field;
        switch (field)
        {
            case NexmarkField.Type: Type = TypeName(ref reader); break;
            case NexmarkField.Name: Name = Text(ref reader, field); break;
            case NexmarkField.EmailAddress: EmailAddress = Text(ref reader, field); break;
            case NexmarkField.CreditCard: CreditCard = Text(ref reader, field); break;
            case NexmarkField.City: City = Text(ref reader, field); break;
            case NexmarkField.State: State = Text(ref reader, field); break;
            case NexmarkField.Extra: Extra = reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty ? "" : Text(ref reader, field); break;
            case NexmarkField.ItemName: ItemName = Text(ref reader, field); break;
            case NexmarkField.Description: Description = Text(ref reader, field); break;
            case NexmarkField.Id: Id = Number(ref reader, field); break;
            case NexmarkField.DateTime: DateTime = Number(ref reader, field); break;
            case NexmarkField.InitialBid: InitialBid = Number(ref reader, field); break;
            case NexmarkField.Reserve: Reserve = Number(ref reader, field); break;
            case NexmarkField.Expires: Expires = Number(ref reader, field); break;
            case NexmarkField.Seller: Seller = Number(ref reader, field); break;
            case NexmarkField.Category: Category = Number(ref reader, field); break;
            case NexmarkField.Auction: Auction = Number(ref reader, field); break;
            case NexmarkField.Bidder: Bidder = Number(ref reader, field); break;
            case NexmarkField.Price: Price = Number(ref reader, field); break;
        }
    }

    /// <summary>The event these fields describe.</summary>
    /// <exception cref="JsonException">The type is missing or unknown, or one of its fields is missing.</exception>
    public readonly NexmarkEvent ToEvent()
    {
        switch (Type)
        {
            case "bid":
                Require(BidFields);
                return new Bid(Auction, Bidder, Price, DateTime, Extra ?? "");
            case "auction":
                Require(AuctionFields);
                return new Auction(Id, ItemName!, Description!, InitialBid, Reserve, DateTime, Expires, Seller, Category, Extra ?? "");
            case "person":
                Require(PersonFields);
                return new Person(Id, Name!, EmailAddress!, CreditCard!, City!, State!, DateTime, Extra ?? "");
            case null:
                throw new JsonException("The event has no \"type\".");
            default:
                throw new JsonException($"Unknown NEXMark event type \"{Type}\" (expected person, auction or bid).");
        }
    }

    private readonly void Require(uint fields)
    {
        uint missing = fields & ~_seen;
        if (missing != 0)
            throw new JsonException($"The {Type} has no \"{JsonName((NexmarkField)System.Numerics.BitOperations.TrailingZeroCount(missing))}\".");
    }

    /// <summary>The field's name in the line (camelCase).</summary>
    private static string JsonName(NexmarkField field)
    {
        string name = field.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>The type discriminator, as one of the three literals when it is one (no string per event).</summary>
    private static string TypeName(ref Utf8JsonReader reader) =>
        reader.TokenType != JsonTokenType.String ? throw new JsonException("\"type\" must be a string.")
        : reader.ValueTextEquals("bid"u8) ? "bid"
        : reader.ValueTextEquals("auction"u8) ? "auction"
        : reader.ValueTextEquals("person"u8) ? "person"
        : reader.GetString()!;

    private static string Text(ref Utf8JsonReader reader, NexmarkField field) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"\"{JsonName(field)}\" must be a string.");

    private static long Number(ref Utf8JsonReader reader, NexmarkField field) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) ? value : throw new JsonException($"\"{JsonName(field)}\" must be an integer.");
}
