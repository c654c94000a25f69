using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Cameo.Redis;
using StackExchange.Redis;

namespace Cameo.Benchmarks;

/// <summary>
/// <c>redis</c>: how fast a query reads a Redis stream (<c>Source.RedisStream</c> into a stateless
/// query), next to the practical limit: a plain StackExchange.Redis loop doing the same reads
/// (<c>XREADGROUP COUNT</c>, JSON parse, <c>XACK</c> per batch) on the same server. Runs interleaved
/// and repeated; each run reads its own stream of the same entries.
/// </summary>
internal static class RedisCommand
{
    private sealed record Event(long Id, string Campaign, long TimeMs);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static RootCommand Create()
    {
        var entries = new Option<int>("--entries") { Description = "Stream entries per run.", DefaultValueFactory = _ => 200_000 };
        var repeat = new Option<int>("--repeat") { Description = "Runs of each reader, interleaved.", DefaultValueFactory = _ => 3 };
        var redis = new Option<string>("--redis") { Description = "The Redis server.", DefaultValueFactory = _ => "127.0.0.1:6379" };
        var command = new RootCommand("Redis Streams source throughput against a plain StackExchange.Redis read loop.") { entries, repeat, redis };
        command.SetAction(r => Run(r.GetValue(entries), r.GetValue(repeat), r.GetValue(redis)!).GetAwaiter().GetResult());
        return command;
    }

    private static async Task<int> Run(int entries, int repeats, string server)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server);
        var db = connection.GetDatabase();
        var plain = new List<double>();
        var cameo = new List<double>();
        for (int i = 0; i <= repeats; i++) // the first round warms up
        {
            string a = await FillAsync(db, entries), b = await FillAsync(db, entries);
            double p = await PlainAsync(db, a, entries), c = await CameoAsync(server, b, entries);
            await db.KeyDeleteAsync([a, b]);
            if (i == 0) continue;
            plain.Add(p);
            cameo.Add(c);
        }
        double plainMedian = Median(plain), cameoMedian = Median(cameo);
        Console.WriteLine($"Redis stream reads, {entries:N0} entries, {repeats} interleaved runs each, medians:");
        Console.WriteLine($"  plain XREADGROUP loop      {plainMedian,12:N0} events/s");
        Console.WriteLine($"  Source.RedisStream query   {cameoMedian,12:N0} events/s  ({cameoMedian / plainMedian:P0} of the loop)");
        return 0;
    }

    private static async Task<string> FillAsync(IDatabase db, int entries)
    {
        string stream = $"cameo-bench:{Guid.NewGuid():N}";
        const int Batch = 1000;
        for (int start = 0; start < entries; start += Batch)
        {
            var sends = Enumerable.Range(start, Math.Min(Batch, entries - start))
                .Select(i => db.StreamAddAsync(stream, "data", JsonSerializer.Serialize(new Event(i, $"c{i % 100}", 1_700_000_000_000 + i), Json)));
            await Task.WhenAll(sends);
        }
        return stream;
    }

    private static async Task<double> PlainAsync(IDatabase db, string stream, int entries)
    {
        await db.StreamCreateConsumerGroupAsync(stream, "plain", "0");
        var watch = Stopwatch.StartNew();
        long read = 0, sum = 0;
        while (read < entries)
        {
            var batch = await db.StreamReadGroupAsync(stream, "plain", "c", StreamPosition.NewMessages, 1024);
            foreach (var e in batch) sum += JsonSerializer.Deserialize<Event>(e["data"].ToString(), Json)!.Id;
            await db.StreamAcknowledgeAsync(stream, "plain", Array.ConvertAll(batch, e => e.Id));
            read += batch.Length;
        }
        GC.KeepAlive(sum);
        return entries / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> CameoAsync(string server, string stream, int entries)
    {
        long count = 0;
        await using var engine = new CameoEngine();
        engine.AddQuery("redis-read", TimeSpan.FromSeconds(1), q => q
            .From(Source.RedisStream<Event>(server, stream, o => o.StopWhenEmpty = true))
            .WithEventTime(e => e.TimeMs, TimeSpan.Zero)
            .Where(e => e.Campaign.Length > 0)
            .To(_ => Interlocked.Increment(ref count)));
        var watch = Stopwatch.StartNew();
        await engine.RunAsync();
        if (count != entries) throw new InvalidOperationException($"The query read {count} of {entries} entries.");
        return entries / watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
