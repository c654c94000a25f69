using System.Collections.Concurrent;
using System.Text.Json;
using Cameo.Operators;
using Cameo.Runtime;
using StackExchange.Redis;

namespace Cameo.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisStreamSourceTests(RedisServer redis)
{
    private static readonly TimeSpan Run = TimeSpan.FromSeconds(60);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<List<RedisValue>> AddAsync(string stream, IEnumerable<Reading> readings)
    {
        var ids = new List<RedisValue>();
        foreach (var r in readings) ids.Add(await redis.Db.StreamAddAsync(stream, "data", JsonSerializer.Serialize(r, Json)));
        return ids;
    }

    private static IEnumerable<Reading> Readings(int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => new Reading(i, $"s{i % 7}", i * 0.5, 1_700_000_000_000 + i));

    [Fact]
    public async Task Entries_go_through_a_query_from_one_stream_to_another_and_are_acknowledged_when_it_completes()
    {
        string input = RedisServer.NewKey("in"), output = RedisServer.NewKey("out");
        await AddAsync(input, Readings(2_000));

        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        engine.AddQuery("redis-round-trip", TimeSpan.FromMilliseconds(100), q => q
            .From(Source.RedisStream<Reading>(RedisServer.Endpoint, input, o => { o.StopWhenEmpty = true; o.ReadCount = 256; }))
            .WithEventTime(r => r.TimeMs, TimeSpan.Zero)
            .Where(r => r.Id % 2 == 0)
            .Select(r => r with { Value = r.Value * 2 })
            .To(Sink.RedisStream<Reading>(RedisServer.Endpoint, output)));
        await engine.RunAsync().WaitAsync(Run);

        var written = (await redis.Db.StreamRangeAsync(output)).Select(e => JsonSerializer.Deserialize<Reading>(e["data"].ToString(), Json)!).ToList();
        Assert.Equal(Readings(2_000).Where(r => r.Id % 2 == 0).Select(r => r with { Value = r.Value * 2 }), written.OrderBy(r => r.Id));
        var pending = await redis.Db.StreamPendingAsync(input, "cameo");
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task Two_instances_in_one_group_share_the_entries_without_duplicates()
    {
        string input = RedisServer.NewKey("shared");
        await AddAsync(input, Readings(3_000));
        var seen = new ConcurrentBag<int>();

        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        engine.AddQuery("shared-group", TimeSpan.FromMilliseconds(100), q => q
            .From(Source.RedisStream<Reading>(RedisServer.Endpoint, input, o => { o.StopWhenEmpty = true; o.ReadCount = 10; }))
            .WithParallelism(2)
            .To(r => seen.Add(r.Id)));
        await engine.RunAsync().WaitAsync(Run);

        Assert.Equal(Enumerable.Range(0, 3_000), seen.Order());
        var consumers = await redis.Db.StreamConsumerInfoAsync(input, "cameo");
        Assert.Equal(["cameo-0", "cameo-1"], consumers.Select(c => c.Name).Order());
    }

    [Fact]
    public async Task Malformed_entries_go_to_the_dead_letters_with_their_entry_ids()
    {
        string input = RedisServer.NewKey("malformed");
        var good1 = await AddAsync(input, Readings(1));
        var notJson = await redis.Db.StreamAddAsync(input, "data", "{not json");
        var noField = await redis.Db.StreamAddAsync(input, "other", "x");
        var good2 = await AddAsync(input, Readings(1, from: 1));
        var results = new ConcurrentBag<int>();

        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("malformed", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.RedisStream<Reading>(RedisServer.Endpoint, input, o => o.StopWhenEmpty = true))
            .To(r => results.Add(r.Id)));
        await engine.RunAsync().WaitAsync(Run);

        Assert.Equal([0, 1], results.Order());
        var letters = q.DeadLetters.OrderBy(d => d.LineNumber).ToList();
        Assert.Equal([notJson.ToString(), noField.ToString()], letters.Select(d => d.Position));
        Assert.Equal([2L, 3L], letters.Select(d => d.LineNumber));
        Assert.Equal("{not json", letters[0].Input);
        Assert.Contains("no field 'data'", letters[1].Error);
        Assert.Equal(2, q.Stats.DeadLetters);
        Assert.Equal(0, (await redis.Db.StreamPendingAsync(input, "cameo")).PendingMessageCount);
    }

    [Fact]
    public async Task A_deserializer_reads_the_entry_and_may_take_event_time_from_its_id_and_one_that_throws_dead_letters_the_entry()
    {
        string input = RedisServer.NewKey("custom");
        var ids = new List<RedisValue>();
        foreach (var (sensor, value) in new[] { ("a", "1.5"), ("b", "oops"), ("c", "2.5") })
            ids.Add(await redis.Db.StreamAddAsync(input, [new NameValueEntry("sensor", sensor), new NameValueEntry("value", value)]));
        var results = new ConcurrentBag<Reading>();

        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("custom", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.RedisStream<Reading>(RedisServer.Endpoint, input, o =>
            {
                o.StopWhenEmpty = true;
                o.Deserialize = e => new Reading(0, e["sensor"].ToString(), double.Parse(e["value"].ToString(), System.Globalization.CultureInfo.InvariantCulture), RedisStreams.TimeOf(e.Id));
            }))
            .WithEventTime(r => r.TimeMs, TimeSpan.FromSeconds(1))
            .To(results.Add));
        await engine.RunAsync().WaitAsync(Run);

        Assert.Equal([("a", 1.5, RedisStreams.TimeOf(ids[0])), ("c", 2.5, RedisStreams.TimeOf(ids[2]))], results.OrderBy(r => r.Sensor).Select(r => (r.Sensor, r.Value, r.TimeMs)));
        Assert.Equal(long.Parse(ids[0].ToString().Split('-')[0], System.Globalization.CultureInfo.InvariantCulture), RedisStreams.TimeOf(ids[0]));
        var letter = Assert.Single(q.DeadLetters);
        Assert.Equal(ids[1].ToString(), letter.Position);
        Assert.Equal("sensor=b value=oops", letter.Input);
    }

    [Fact]
    public async Task Acknowledging_on_read_leaves_nothing_pending()
    {
        string input = RedisServer.NewKey("on-read");
        await AddAsync(input, Readings(30));
        var reader = Source.RedisStream<Reading>(RedisServer.Endpoint, input, o => { o.StopWhenEmpty = true; o.Acknowledge = RedisAcknowledgement.OnRead; })
            .Open(0, 1, new SourceContext(_ => { }));
        Assert.Equal(30, (await ReadAsync(reader, int.MaxValue)).Count);
        var (pending, delivered) = await GroupAsync(input);
        Assert.Equal((0L, 30L), (pending, delivered));
        await reader.DisposeAsync();
    }

    /// <summary>Reads from <paramref name="reader"/> until at least <paramref name="atLeast"/> records came (or the stream ended).</summary>
    private static async Task<List<Reading>> ReadAsync(SourceReader<Reading> reader, int atLeast)
    {
        var got = new List<Reading>();
        var items = new Reading[16];
        var arrivals = new long[16];
        while (got.Count < atLeast)
        {
            var read = await reader.ReadAsync(items, arrivals, DateTime.UtcNow.Ticks, CancellationToken.None);
            got.AddRange(items.Take(read.Count));
            if (read.Completed) break;
        }
        return got;
    }

    private async Task<(long Pending, long Delivered)> GroupAsync(string stream)
    {
        var group = (await redis.Db.StreamGroupInfoAsync(stream)).Single();
        return (group.PendingMessageCount, group.EntriesRead ?? -1);
    }

    [Fact]
    public async Task Entries_are_acknowledged_only_when_a_completed_checkpoint_covers_them_and_a_restarted_consumer_reads_the_rest_again()
    {
        string input = RedisServer.NewKey("ckpt");
        await AddAsync(input, Readings(50));
        var source = Source.RedisStream<Reading>(RedisServer.Endpoint, input, o => { o.StopWhenEmpty = true; o.ReadCount = 10; });

        var first = source.Open(0, 1, new SourceContext(_ => { }));
        var before = await ReadAsync(first, 20);
        var checkpointed = (ICheckpointedReader)first;
        byte[] position = checkpointed.Position;
        var (pending, delivered) = await GroupAsync(input);
        Assert.True(delivered >= before.Count, $"delivered {delivered}, handed over {before.Count}");
        Assert.Equal(delivered, pending); // read, nothing acknowledged yet

        await ReadAsync(first, 5); // read on past the checkpoint's position
        var mid = await GroupAsync(input);
        Assert.Equal(mid.Delivered, mid.Pending); // still nothing acknowledged

        await checkpointed.OnCheckpointCompletedAsync(1, position, CancellationToken.None);
        var now = await GroupAsync(input);
        Assert.Equal(now.Delivered - before.Count, now.Pending); // exactly the entries the checkpoint covers are acknowledged
        await checkpointed.OnCheckpointCompletedAsync(1, position, CancellationToken.None); // idempotent
        Assert.Equal(now.Pending, (await GroupAsync(input)).Pending);
        await first.DisposeAsync(); // a crash: nothing more acknowledged

        var restarted = source.Open(0, 1, new SourceContext(_ => { }));
        await ((ICheckpointedReader)restarted).RestoreAsync(position, CancellationToken.None);
        var rest = await ReadAsync(restarted, int.MaxValue);
        Assert.Equal(Enumerable.Range(before.Count, 50 - before.Count), rest.Select(r => r.Id)); // the pending ones first, in order, then the new ones
        await restarted.DisposeAsync();
    }

    [Fact]
    public async Task A_server_that_goes_away_fails_the_query_after_its_retries_naming_stream_and_server_and_nothing_is_acknowledged()
    {
        string input = RedisServer.NewKey("gone");
        await AddAsync(input, Readings(3_000));
        await using var relay = new TcpRelay();
        int processed = 0;

        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        var q = engine.AddQuery("server-gone", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.RedisStream<Reading>(relay.Endpoint, input, o =>
            {
                o.ReadCount = 50;
                o.Retry = new RedisRetryOptions { MaxAttempts = 3, FirstDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(50) };
            }))
            .To(_ => { if (Interlocked.Increment(ref processed) == 100) relay.Cut(); }));

        var error = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Run));
        var failure = Assert.IsType<QueryFailedException>(Assert.Single(error.InnerExceptions));
        Assert.Equal("server-gone", failure.Query);
        var cause = Assert.IsType<RedisStreamException>(failure.InnerException);
        Assert.Contains($"'{input}'", cause.Message);
        Assert.Contains(relay.Endpoint, cause.Message);
        Assert.Contains("3 times", cause.Message);

        var (pending, delivered) = await GroupAsync(input);
        Assert.True(delivered >= 100, $"delivered {delivered}");
        Assert.Equal(delivered, pending); // nothing acknowledged
    }
}
