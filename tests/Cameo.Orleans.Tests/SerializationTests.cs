using Cameo.Messages;
using Cameo.Operators;
using Cameo.Orleans.Deployment;
using Cameo.Orleans.Wire;
using Cameo.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Cameo.Orleans.Tests;

/// <summary>Every message type survives Orleans' serializer (as between silos) exactly.</summary>
public sealed class SerializationTests
{
    /// <summary>An application record with no Orleans attributes: travels as JSON.</summary>
    public sealed record PlainRecord(string Name, int[] Values, DateTimeOffset At);

    /// <summary>An application record with its own Orleans codec.</summary>
    [GenerateSerializer]
    public sealed record CodedRecord([property: Id(0)] string Name, [property: Id(1)] double Value);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(_ => { })
        .AddCameoSerialization()
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static readonly PriorityContext Context = new(7, 1_000, 2_000, 3_000, 40, 500);

    private static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.SerializeToArray(value))!;

    private static void AssertSameHeader(Message expected, Message actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Sender, actual.Sender);
        Assert.Equal(expected.Channel, actual.Channel);
        Assert.Equal(expected.Port, actual.Port);
        Assert.Equal(expected.Watermark, actual.Watermark);
        Assert.Equal(expected.Context, actual.Context);
    }

    private static void AssertBatchRoundTrips<T>(T[] items)
    {
        // a pooled-style batch: the arrays are longer than the valid count, and only the valid part may travel
        var padded = items.Concat(new T[3]).ToArray();
        var timestamps = Enumerable.Range(0, padded.Length).Select(i => 10_000L + i).ToArray();
        var sent = new Message<T>(padded, timestamps, items.Length)
        { Kind = MessageKind.Data, Sender = 3, Channel = 2, Port = 1, Watermark = 9_999, Context = Context };

        var envelope = RoundTrip(new Envelope(sent, sequence: 41, sentAt: 77));

        Assert.Equal(41, envelope.Sequence);
        Assert.Equal(77, envelope.SentAt);
        var received = Assert.IsType<Message<T>>(envelope.Message);
        AssertSameHeader(sent, received);
        Assert.Equal(items, received.ItemSpan.ToArray());
        Assert.Equal(timestamps[..items.Length], received.TimestampSpan.ToArray());
    }

    [Fact]
    public void Batches_of_primitives_strings_and_tuples_round_trip()
    {
        AssertBatchRoundTrips(new[] { 1, -2, int.MaxValue });
        AssertBatchRoundTrips(new[] { "a", "", "ü" });
        AssertBatchRoundTrips(new[] { ("k", 1L), ("j", -5L) });
        AssertBatchRoundTrips(Array.Empty<long>());
    }

    [Fact]
    public void Batches_of_cameo_result_types_round_trip()
    {
        AssertBatchRoundTrips(new[] { new WindowResult<string, long>("k", 0, 1000, 42), new WindowResult<string, long>("j", 1000, 2000, 0) });
        AssertBatchRoundTrips(new[] { new WindowResult<int, double>(3, 0, 1000, 2.5) });
        AssertBatchRoundTrips(new[] { new CatalogEvent(1, 2, 3) });
    }

    [Fact]
    public void Batches_of_application_records_round_trip_with_or_without_orleans_attributes()
    {
        JsonTypes.Allow(typeof(PlainRecord)); // as a plan using it would
        var plain = new[] { new PlainRecord("x", [1, 2], DateTimeOffset.FromUnixTimeMilliseconds(5)) };
        var envelope = RoundTrip(new Envelope(new Message<PlainRecord>(plain, [1], 1) { Context = Context }, 0, 0));
        var received = Assert.IsType<Message<PlainRecord>>(envelope.Message);
        Assert.Equal(plain[0].Name, received.Items[0].Name);
        Assert.Equal(plain[0].Values, received.Items[0].Values);
        Assert.Equal(plain[0].At, received.Items[0].At);

        AssertBatchRoundTrips(new[] { new CodedRecord("y", 1.5) });
    }

    /// <summary>A plain struct with no references and no Orleans attributes (like most event types).</summary>
    public readonly record struct Reading(int Sensor, int Region, double Value, long TimeMs);

    [Fact]
    public void Batches_of_plain_structs_travel_as_raw_bytes()
    {
        JsonTypes.Allow(typeof(Reading)); // as a plan using it would
        var items = Enumerable.Range(0, 100).Select(i => new Reading(i, i % 7, i * 0.5, 1_000 + i)).ToArray();
        AssertBatchRoundTrips(items);

        var message = new Message<Reading>(items, new long[items.Length], items.Length) { Context = Context };
        int size = Serializer.SerializeToArray(new Envelope(message, 0, 0)).Length;
        int raw = items.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<Reading>() + items.Length * sizeof(long);
        Assert.True(size < raw + 300, $"{size} bytes on the wire for {raw} bytes of records and timestamps");
    }

    [Theory]
    [InlineData(MessageKind.Watermark)]
    [InlineData(MessageKind.End)]
    public void Messages_without_records_round_trip(MessageKind kind)
    {
        var sent = new Message { Kind = kind, Sender = 1, Channel = 4, Port = 0, Watermark = 123_456, Context = Context };
        var envelope = RoundTrip(new Envelope(sent, 5, 0));
        AssertSameHeader(sent, envelope.Message);
    }

    [Fact]
    public void Replies_contexts_and_control_records_round_trip()
    {
        Assert.Equal(new ReplyContext(2, 300, 4_000, 1.5), RoundTrip(new ReplyContext(2, 300, 4_000, 1.5)));
        Assert.Equal(Context, RoundTrip(Context));
        var spec = new QuerySpec("k", "n", "filter", ["Source[0]", "Sink[0]"], [0], 1, 64, 8, 100, 5);
        var back = RoundTrip(spec);
        Assert.Equal(spec with { Instances = back.Instances, Sources = back.Sources }, back);
        Assert.Equal(spec.Instances, back.Instances);
        var status = new QueryStatus("k", "n", QueryState.Failed, "boom", "Where[0]", 3, ["a"], ["Where[0] @ S1"], "S1");
        var statusBack = RoundTrip(status);
        Assert.Equal((status.State, status.Error, status.FailedAt, status.Outputs), (statusBack.State, statusBack.Error, statusBack.FailedAt, statusBack.Outputs));
    }

    /// <summary>A type with no codec must be caught here, not when a silo starts or a batch is sent.</summary>
    [Fact]
    public void Every_type_on_the_grain_interfaces_has_a_codec()
    {
        var types = typeof(Grains.IInstanceGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Select(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Task<>) ? t.GetGenericArguments()[0] : t)
            .Where(t => t != typeof(Task))
            .Distinct().ToList();
        Assert.Contains(typeof(Envelope), types);
        foreach (var type in types) Assert.True(Serializer.CanSerialize(type), $"no Orleans codec for {type}");
    }

    /// <summary>A type no query of this process uses.</summary>
    public sealed record Stranger(string Command);

    /// <summary>A record type of a query built in the test below.</summary>
    public sealed record Order(string Customer, double Amount);

    [Fact]
    public void Only_cameos_types_and_the_record_types_of_known_queries_travel_as_json()
    {
        Assert.False(JsonTypes.UsesJson(typeof(Stranger)));
        Assert.Throws<CodecNotFoundException>(() => Serializer.SerializeToArray(new Stranger("rm -rf")));
        Assert.Throws<CodecNotFoundException>(() => Serializer.SerializeToArray(new WindowResult<string, Stranger>("k", 0, 1, new Stranger("x"))));
        Assert.False(JsonTypes.UsesJson(typeof(InvalidOperationException)));
        Assert.False(JsonTypes.UsesJson(typeof(Uri)));
        Assert.True(JsonTypes.UsesJson(typeof(WindowResult<string, long>)));
        Assert.True(JsonTypes.UsesJson(typeof(WindowResult<(int, string), List<double>>)));

        Assert.False(JsonTypes.UsesJson(typeof(Order)));
        // A query using Order is built in this process (as a silo builds the queries it hosts).
        PlanCapture.Build(new QuerySpec("orders-1", "orders", null, [], [], 0, 64, 1, 1, null), TimeSpan.FromSeconds(1), b => b
            .From(Source.From(new[] { new Order("a", 1) }))
            .Select(o => new WindowResult<string, Order>(o.Customer, 0, 1, o))
            .To(_ => { }));
        Assert.True(JsonTypes.UsesJson(typeof(Order)));
        Assert.True(JsonTypes.UsesJson(typeof(WindowResult<string, Order>)));
        var back = RoundTrip(new Order("b", 2.5));
        Assert.Equal(new Order("b", 2.5), back);
    }
}
