using System.Text.Json;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Runtime;
using Cameo.Tests.Support;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Checkpoints;

/// <summary>
/// Crash and recovery on real files and real threads: a query over a JSON-lines file is crashed
/// (an operator throws) after some checkpoints completed, an engine on the same state directory
/// resumes it, and the output file must hold exactly what the brute-force oracle computes from the
/// whole input: nothing twice, nothing missing.
/// </summary>
public sealed class RecoveryTests : IDisposable
{
    /// <summary>The joined pair of a left and a right record.</summary>
    public sealed record Pair(int Left, int Right);

    private const long Bound = 20;
    private const long WindowMs = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _dir = Directory.CreateTempSubdirectory("cameo-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Small messages and few in flight, so that barriers do not queue behind the whole input.</summary>
    private static EngineOptions Options(string state, int keep = 3) => new()
    {
        Workers = 2,
        BatchSize = 64,
        MaxInFlightMessages = 8,
        Checkpoints = new CheckpointOptions { Store = StoreAt(state), Interval = TimeSpan.FromMilliseconds(5), Keep = keep },
    };

    private static readonly Lazy<StackExchange.Redis.ConnectionMultiplexer> Redis = new(() => StackExchange.Redis.ConnectionMultiplexer.Connect("127.0.0.1:6379"));

    /// <summary>A directory store, or for <c>redis:PREFIX</c> a Redis store on 127.0.0.1:6379 under that prefix.</summary>
    private static IStateStore StoreAt(string state) =>
        state.StartsWith("redis:", StringComparison.Ordinal) ? new Cameo.Redis.State.RedisStateStore(Redis.Value, state) : new DirectoryStateStore(state);

    /// <summary>
    /// Slows the stream (a millisecond's sleep every 100 records, so checkpoints complete mid-stream)
    /// and, if <paramref name="crashAfter"/> is given, throws at the first record once the query has
    /// completed that many checkpoints; until then it sleeps every 5 records, so the crash comes
    /// before the input ends however slowly the checkpoints complete.
    /// </summary>
    private sealed class Gate(int? crashAfter)
    {
        private int _seen;

        public QueryHandle? Query { get; set; }

        public bool Pass<T>(T record)
        {
            int seen = Interlocked.Increment(ref _seen);
            if (crashAfter is { } after && Query is { } q)
            {
                if (q.LastCheckpoint >= after) throw new InvalidOperationException($"crash after checkpoint {q.LastCheckpoint}");
                if (seen % 5 == 0) Thread.Sleep(1);
            }
            else if (seen % 100 == 0) Thread.Sleep(1);
            return true;
        }
    }

    private static async Task WriteEvents(string path, IEnumerable<Ev> events) =>
        await File.WriteAllLinesAsync(path, events.Select(e => JsonSerializer.Serialize(e, Json)));

    private static List<T> ReadOutput<T>(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Json)!)];

    private static long StartOf(long t, long size = WindowMs) => t - ((t % size) + size) % size;

    private static IEnumerable<WindowResult<int, long>> Sorted(IEnumerable<WindowResult<int, long>> results) => results.OrderBy(r => (r.Key, r.Start, r.Value));

    private static List<WindowResult<int, long>> CountOracle(IEnumerable<Ev> events, long size = WindowMs) =>
        [.. events.GroupBy(e => (e.Key, Start: StartOf(e.Time, size))).Select(g => new WindowResult<int, long>(g.Key.Key, g.Key.Start, g.Key.Start + size, g.Count()))];

    private static List<Pair> JoinOracle(IEnumerable<Ev> left, IEnumerable<Ev> right) =>
        [.. from l in left join r in right on (l.Key, StartOf(l.Time)) equals (r.Key, StartOf(r.Time)) select new Pair(l.Id, r.Id)];

    private static void WindowedCount(QueryBuilder q, string input, string output, Gate gate, long size = WindowMs) => q
        .From(Source.JsonLines<Ev>(input))
        .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound))
        .Where(gate.Pass)
        .KeyBy(e => e.Key)
        .Window(TimeSpan.FromMilliseconds(size))
        .Count()
        .To(Sink.JsonLines<WindowResult<int, long>>(output));

    private static void WindowedJoin(QueryBuilder q, string left, string right, string output, Gate gate)
    {
        var rights = q.From(Source.JsonLines<Ev>(right)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound));
        q.From(Source.JsonLines<Ev>(left))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound))
            .Where(gate.Pass)
            .Join(rights, l => l.Key, r => r.Key, WindowSpec.Tumbling(TimeSpan.FromMilliseconds(WindowMs)), (l, r) => new Pair(l.Id, r.Id))
            .WithParallelism(2)
            .To(Sink.JsonLines<Pair>(output));
    }

    /// <summary>Runs a query that crashes once <paramref name="crashAfter"/> checkpoints completed; returns the checkpoint it crashed after.</summary>
    private static async Task<long> RunAndCrash(string state, int crashAfter, Action<QueryBuilder, Gate> define)
    {
        var gate = new Gate(crashAfter);
        await using var engine = new CameoEngine(Options(state));
        var query = engine.AddQuery("q", TimeSpan.FromSeconds(1), q => define(q, gate));
        gate.Query = query;
        var crashed = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));
        Assert.Single(crashed.InnerExceptions);
        Assert.True(query.Completion.IsFaulted, $"the query ended without crashing, after checkpoint {query.LastCheckpoint} (requested {query.Checkpoints!.Requested}) {query.Checkpoints.DescribePending()}");
        await Assert.ThrowsAsync<QueryFailedException>(() => query.Completion);
        Assert.True(query.LastCheckpoint >= crashAfter, $"the query crashed after checkpoint {query.LastCheckpoint}, before {crashAfter}");
        return query.LastCheckpoint;
    }

    /// <summary>Runs the query to its end on the state directory; returns the checkpoint it resumed from.</summary>
    private static async Task<long?> RunToEnd(string state, Action<QueryBuilder, Gate> define)
    {
        await using var engine = new CameoEngine(Options(state));
        var query = engine.AddQuery("q", TimeSpan.FromSeconds(1), q => define(q, new Gate(null)));
        await engine.RunAsync().WaitAsync(Within.Run);
        await query.Completion;
        return query.Checkpoints!.RestoredFrom;
    }

    [Fact]
    public async Task A_windowed_count_crashed_after_a_checkpoint_resumes_from_it_and_writes_each_result_exactly_once()
    {
        var events = EventGen.BoundedDisorder(new Random(7), 20_000, keys: 5, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        void Define(QueryBuilder q, Gate g) => WindowedCount(q, input, output, g);

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        Assert.Equal(Sorted(CountOracle(events)), Sorted(ReadOutput<WindowResult<int, long>>(output)));
        Assert.Empty(Directory.GetFiles(_dir, "*.pending"));
    }

    [Fact]
    public async Task A_windowed_count_checkpointed_to_redis_recovers_exactly_once()
    {
        var events = EventGen.BoundedDisorder(new Random(9), 10_000, keys: 5, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = $"redis:cameo-test:{Guid.NewGuid():N}";
        await WriteEvents(input, events);
        void Define(QueryBuilder q, Gate g) => WindowedCount(q, input, output, g);

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        Assert.Equal(Sorted(CountOracle(events)), Sorted(ReadOutput<WindowResult<int, long>>(output)));
        var server = Redis.Value.GetServer(Redis.Value.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: $"{state}:*")) await Redis.Value.GetDatabase().KeyDeleteAsync(key);
    }

    [Fact]
    public async Task A_join_of_two_files_with_parallelism_two_aligns_its_barriers_and_recovers_exactly_once()
    {
        var rnd = new Random(11);
        var left = EventGen.BoundedDisorder(rnd, 6_000, keys: 40, Bound, step: 3);
        var right = EventGen.BoundedDisorder(rnd, 6_000, keys: 40, Bound, step: 3, idBase: 100_000);
        string l = PathOf("left.jsonl"), r = PathOf("right.jsonl"), output = PathOf("pairs.jsonl"), state = PathOf("state");
        await WriteEvents(l, left);
        await WriteEvents(r, right);
        void Define(QueryBuilder q, Gate g) => WindowedJoin(q, l, r, output, g);

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        var expected = JoinOracle(left, right);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.OrderBy(p => p.Left).ThenBy(p => p.Right), ReadOutput<Pair>(output).OrderBy(p => p.Left).ThenBy(p => p.Right));
    }

    /// <summary>The joined pair of a left record and the table row it saw.</summary>
    public sealed record Lookup(int Left, int Row);

    /// <summary>Sessions per key: sorted times split where two records are a gap or more apart; each session <c>[first, last + gap)</c>.</summary>
    private static List<WindowResult<int, long>> SessionOracle(IEnumerable<Ev> events, long gap)
    {
        var sessions = new List<WindowResult<int, long>>();
        foreach (var key in events.GroupBy(e => e.Key))
        {
            var times = key.Select(e => e.Time).Order().ToList();
            int first = 0;
            for (int i = 1; i <= times.Count; i++)
                if (i == times.Count || times[i] - times[i - 1] >= gap)
                {
                    sessions.Add(new WindowResult<int, long>(key.Key, times[first], times[i - 1] + gap, i - first));
                    first = i;
                }
        }
        return sessions;
    }

    /// <summary>Each left record with the row of its key with the largest time at or below its own (the last in the file among equal times).</summary>
    private static List<Lookup> TableOracle(IEnumerable<Ev> left, IReadOnlyList<Ev> rows) =>
        [.. from l in left
            let row = rows.Where(r => r.Key == l.Key && r.Time <= l.Time).OrderBy(r => r.Time).ThenBy(r => r.Id).LastOrDefault()
            where row is not null
            select new Lookup(l.Id, row.Id)];

    [Fact]
    public async Task A_session_window_count_recovers_its_open_sessions_exactly_once()
    {
        const long gap = 15;
        var events = EventGen.BoundedDisorder(new Random(21), 15_000, keys: 40, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("sessions.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        void Define(QueryBuilder q, Gate g) => q
            .From(Source.JsonLines<Ev>(input))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound))
            .Where(g.Pass)
            .KeyBy(e => e.Key)
            .SessionWindow(TimeSpan.FromMilliseconds(gap))
            .Count()
            .To(Sink.JsonLines<WindowResult<int, long>>(output));

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        Assert.Equal(Sorted(SessionOracle(events, gap)), Sorted(ReadOutput<WindowResult<int, long>>(output)));
    }

    [Fact]
    public async Task A_stream_table_join_recovers_its_versions_and_waiting_records_exactly_once()
    {
        var rnd = new Random(23);
        var left = EventGen.BoundedDisorder(rnd, 8_000, keys: 30, Bound, step: 2);
        var rows = EventGen.BoundedDisorder(rnd, 2_000, keys: 30, Bound, step: 8, idBase: 100_000);
        string l = PathOf("left.jsonl"), r = PathOf("rows.jsonl"), output = PathOf("lookups.jsonl"), state = PathOf("state");
        await WriteEvents(l, left);
        await WriteEvents(r, rows);
        // One more millisecond of out-of-orderness than the input has: a left record is late at (not only behind) the watermark.
        void Define(QueryBuilder q, Gate g)
        {
            var table = q.From(Source.JsonLines<Ev>(r)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound + 1));
            q.From(Source.JsonLines<Ev>(l))
                .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound + 1))
                .Where(g.Pass)
                .JoinTable(table, e => e.Key, row => row.Key, (e, row) => new Lookup(e.Id, row.Id))
                .WithParallelism(2)
                .To(Sink.JsonLines<Lookup>(output));
        }

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        var expected = TableOracle(left, rows);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.OrderBy(p => p.Left), ReadOutput<Lookup>(output).OrderBy(p => p.Left));
    }

    [Fact]
    public async Task Event_times_assigned_after_a_parallel_select_recover_their_watermark_exactly_once()
    {
        var events = EventGen.BoundedDisorder(new Random(25), 15_000, keys: 5, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        void Define(QueryBuilder q, Gate g) => q
            .From(Source.JsonLines<Ev>(input))
            .Where(g.Pass)
            .Select(e => e with { Value = 0 })
            .WithParallelism(2)
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound))
            .KeyBy(e => e.Key)
            .Window(TimeSpan.FromMilliseconds(WindowMs))
            .Count()
            .To(Sink.JsonLines<WindowResult<int, long>>(output));

        long crashedAfter = await RunAndCrash(state, crashAfter: 2, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        Assert.Equal(Sorted(CountOracle(events)), Sorted(ReadOutput<WindowResult<int, long>>(output)));
    }

    [Fact]
    public async Task Windows_kept_for_allowed_lateness_are_recovered_and_take_late_updates_exactly_once()
    {
        // Disorder up to 100 ms against a 20 ms bound: many records come after their window fired,
        // all within the 300 ms of allowed lateness, so each one updates its fired window.
        var events = EventGen.BoundedDisorder(new Random(27), 15_000, keys: 5, bound: 100, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        void Define(QueryBuilder q, Gate g) => q
            .From(Source.JsonLines<Ev>(input))
            .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound))
            .Where(g.Pass)
            .KeyBy(e => e.Key)
            .Window(TimeSpan.FromMilliseconds(WindowMs))
            .AllowedLateness(TimeSpan.FromMilliseconds(300))
            .Count()
            .To(Sink.JsonLines<WindowResult<int, long>>(output));

        // Late enough in the input that the checkpoint resumed from holds fired windows.
        long crashedAfter = await RunAndCrash(state, crashAfter: 12, Define);
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(crashedAfter, resumedFrom);
        // Per window: the count when it fired, then one more per late record: consecutive, each once, ending at the whole count.
        var emitted = ReadOutput<WindowResult<int, long>>(output).GroupBy(w => (w.Key, w.Start)).ToDictionary(g => g.Key, g => g.Select(w => w.Value).Order().ToList());
        var expected = CountOracle(events);
        Assert.Equal(expected.Count, emitted.Count);
        Assert.True(emitted.Values.Count(v => v.Count > 1) > expected.Count / 4, "few windows took late updates: the input is not late enough to test them");
        foreach (var window in expected)
        {
            var values = emitted[(window.Key, window.Start)];
            Assert.Equal(window.Value, values[^1]);
            Assert.Equal(Enumerable.Range((int)values[0], values.Count).Select(v => (long)v), values);
        }
    }

    [Property(MaxTest = 6)]
    public Property Whatever_checkpoint_the_count_crashes_after_the_recovered_output_equals_the_oracle() =>
        Prop.ForAll(Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (crashAfter, seed) =>
        {
            string run = PathOf($"run-{Guid.NewGuid():N}");
            Directory.CreateDirectory(run);
            var events = EventGen.BoundedDisorder(new Random(seed), 15_000, keys: 7, Bound, step: 2);
            string input = Path.Combine(run, "events.jsonl"), output = Path.Combine(run, "counts.jsonl"), state = Path.Combine(run, "state");
            WriteEvents(input, events).GetAwaiter().GetResult();
            void Define(QueryBuilder q, Gate g) => WindowedCount(q, input, output, g);

            long crashedAfter = RunAndCrash(state, crashAfter, Define).GetAwaiter().GetResult();
            long? resumedFrom = RunToEnd(state, Define).GetAwaiter().GetResult();

            return resumedFrom == crashedAfter
                && Sorted(CountOracle(events)).SequenceEqual(Sorted(ReadOutput<WindowResult<int, long>>(output)));
        });

    [Fact]
    public async Task A_corrupted_newest_checkpoint_is_detected_by_its_checksum_and_the_one_before_it_is_resumed_from()
    {
        var events = EventGen.BoundedDisorder(new Random(3), 10_000, keys: 5, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        // Windows of 10 ms: results complete between any two checkpoints, so resuming from the older one
        // must cut the file back to what that one committed.
        void Define(QueryBuilder q, Gate g) => WindowedCount(q, input, output, g, size: 10);
        long crashedAfter = await RunAndCrash(state, crashAfter: 3, Define);

        var store = new DirectoryStateStore(state);
        var completed = await store.CompletedAsync("q", CancellationToken.None);
        Assert.Equal(crashedAfter, completed[0]);
        string newest = Path.Combine(store.CheckpointDirectory("q", completed[0]), "1.state");
        var bytes = await File.ReadAllBytesAsync(newest);
        bytes[^1] ^= 0xFF; // one flipped bit of state, the length intact
        await File.WriteAllBytesAsync(newest, bytes);
        await Assert.ThrowsAsync<CorruptCheckpointException>(() => store.ReadAsync("q", completed[0], 1, CancellationToken.None));

        // The file holds what the corrupt checkpoint committed, more than the one resumed from did.
        var resumed = InstanceState.FromBytes(await store.ReadAsync("q", completed[1], 3, CancellationToken.None)).SinkPreCommit!;
        Assert.True(new FileInfo(output).Length > BitConverter.ToInt64(resumed, sizeof(long)));
        long? resumedFrom = await RunToEnd(state, Define);

        Assert.Equal(completed[1], resumedFrom);
        Assert.Equal(Sorted(CountOracle(events, size: 10)), Sorted(ReadOutput<WindowResult<int, long>>(output)));
    }

    [Fact]
    public async Task Only_the_newest_completed_checkpoints_are_kept()
    {
        var events = EventGen.BoundedDisorder(new Random(5), 10_000, keys: 5, Bound, step: 2);
        string input = PathOf("events.jsonl"), output = PathOf("counts.jsonl"), state = PathOf("state");
        await WriteEvents(input, events);
        var gate = new Gate(crashAfter: 6);
        await using (var engine = new CameoEngine(Options(state, keep: 2)))
        {
            var query = engine.AddQuery("q", TimeSpan.FromSeconds(1), q => WindowedCount(q, input, output, gate));
            gate.Query = query;
            await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));
        }
        var store = new DirectoryStateStore(state);
        var completed = await store.CompletedAsync("q", CancellationToken.None);
        Assert.Equal(2, completed.Count);
        Assert.Equal(completed[0] - 1, completed[1]);
        Assert.True(completed[0] >= 6);
        var onDisk = Directory.GetDirectories(Path.Combine(state, "q")).Select(d => long.Parse(Path.GetFileName(d))).ToList();
        Assert.DoesNotContain(onDisk, id => id < completed[1]);
    }
}
