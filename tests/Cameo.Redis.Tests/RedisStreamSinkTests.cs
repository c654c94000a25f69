using System.Text.Json;
using Cameo.Operators;

namespace Cameo.Redis.Tests;

[Collection(RedisCollection.Name)]
public sealed class RedisStreamSinkTests(RedisServer redis)
{
    private static Reading[] Readings(int count) => [.. Enumerable.Range(0, count).Select(i => new Reading(i, "s", i, i))];

    [Fact]
    public async Task With_checkpoints_results_appear_only_at_commit_and_a_repeated_commit_writes_nothing_twice()
    {
        string output = RedisServer.NewKey("tx");
        var sink = Sink.RedisStream<Reading>(RedisServer.Endpoint, output);
        var writer = sink.Open(0);
        var tx = (ITransactionalWriter)writer;
        await tx.RecoverAsync(null, null, CancellationToken.None);

        var batch = Readings(2_500); // more than one script call
        writer.Write(batch, new long[batch.Length]);
        byte[] state = tx.PreCommit(1);
        Assert.Equal(0, await redis.Db.StreamLengthAsync(output)); // not visible before the checkpoint completes

        await tx.CommitAsync(1, state, CancellationToken.None);
        Assert.Equal(2_500, await redis.Db.StreamLengthAsync(output));
        await tx.CommitAsync(1, state, CancellationToken.None); // repeated after a crash
        Assert.Equal(2_500, await redis.Db.StreamLengthAsync(output));

        var restarted = (ITransactionalWriter)sink.Open(0);
        await restarted.RecoverAsync(1, state, CancellationToken.None); // recovery commits the checkpoint again: nothing twice
        var written = (await redis.Db.StreamRangeAsync(output)).Select(e => JsonSerializer.Deserialize<Reading>(e["data"].ToString(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Id);
        Assert.Equal(Enumerable.Range(0, 2_500), written);
    }

    [Fact]
    public async Task A_query_that_ends_before_its_last_checkpoints_commit_writes_them_in_order_and_a_late_commit_adds_nothing()
    {
        string output = RedisServer.NewKey("tx-end");
        var writer = Sink.RedisStream<Reading>(RedisServer.Endpoint, output).Open(0);
        var tx = (ITransactionalWriter)writer;
        await tx.RecoverAsync(null, null, CancellationToken.None);
        var batch = Readings(30);
        writer.Write(batch.AsSpan(0, 10), new long[10]);
        byte[] first = tx.PreCommit(1);
        writer.Write(batch.AsSpan(10, 10), new long[10]);
        byte[] second = tx.PreCommit(2);
        await tx.CommitAsync(1, first, CancellationToken.None);
        writer.Write(batch.AsSpan(20, 10), new long[10]);

        writer.Complete(); // checkpoint 2 completed, but the coordinator has not committed it yet

        var again = (ITransactionalWriter)Sink.RedisStream<Reading>(RedisServer.Endpoint, output).Open(0);
        await again.CommitAsync(2, second, CancellationToken.None); // the coordinator's commit, after the end
        var written = (await redis.Db.StreamRangeAsync(output)).Select(e => JsonSerializer.Deserialize<Reading>(e["data"].ToString(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Id);
        Assert.Equal(Enumerable.Range(0, 30), written);
    }

    [Fact]
    public async Task A_failed_query_does_not_write_results_no_checkpoint_covers()
    {
        string output = RedisServer.NewKey("tx-abort");
        var sink = Sink.RedisStream<Reading>(RedisServer.Endpoint, output);
        var writer = sink.Open(0);
        await ((ITransactionalWriter)writer).RecoverAsync(null, null, CancellationToken.None);
        writer.Write(Readings(10), new long[10]);
        writer.Abort(new InvalidOperationException("failed"));
        Assert.Equal(0, await redis.Db.StreamLengthAsync(output));
    }

    [Fact]
    public async Task Without_checkpoints_results_are_written_in_order_and_the_stream_is_trimmed_when_asked()
    {
        string output = RedisServer.NewKey("direct");
        var sink = Sink.RedisStream<Reading>(RedisServer.Endpoint, output, o => { o.MaxLength = 100; o.Serialize = r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture); });
        var writer = sink.Open(0);
        for (int i = 0; i < 10; i++) writer.Write(Readings(1_000).AsSpan(0, 1_000), new long[1_000]);
        writer.Complete();

        long length = await redis.Db.StreamLengthAsync(output);
        Assert.InRange(length, 100, 1_100); // MAXLEN ~ trims whole nodes only
        var last = await redis.Db.StreamRangeAsync(output, "-", "+", count: 1, StackExchange.Redis.Order.Descending);
        Assert.Equal("999", last.Single()["data"].ToString());
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_fails_the_query_after_the_sinks_retries_naming_stream_and_server()
    {
        string output = RedisServer.NewKey("unreachable");
        await using var relay = new TcpRelay();
        relay.Cut();
        await using var engine = CameoEngine.Create(o => o.Workers = 2);
        engine.AddQuery("sink-gone", TimeSpan.FromMilliseconds(100), b => b
            .From(Source.From(Readings(100)))
            .To(Sink.RedisStream<Reading>(relay.Endpoint, output, o =>
                o.Retry = new RedisRetryOptions { MaxAttempts = 2, FirstDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(20) })));

        var error = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        var failure = Assert.IsType<Runtime.QueryFailedException>(Assert.Single(error.InnerExceptions));
        Assert.Equal("Sink#1", failure.Operator);
        var cause = Assert.IsType<RedisStreamException>(failure.InnerException);
        Assert.Contains($"'{output}' at {relay.Endpoint}", cause.Message);
        Assert.Equal(0, await redis.Db.StreamLengthAsync(output));
    }
}
