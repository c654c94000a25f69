using System.Text.Json;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Tests.Support;
using Cameo.Time;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cameo.Tests.Checkpoints;

/// <summary>
/// A checkpoint serializes the state an operator captured at the barrier, off the worker, while the
/// operator goes on: what is serialized and restored must be the state at the capture, never what
/// the operator did after it.
/// </summary>
public class StateCaptureTests
{
    private static readonly JsonSerializerOptions Serializer = CheckpointOptions.DefaultSerializer;

    /// <summary>
    /// Drives <paramref name="first"/> into a live operator, captures it, drives <paramref name="then"/>
    /// into it (state changed, windows fired) and only then serializes the capture. The bytes must equal
    /// the snapshot of an operator that saw only <paramref name="first"/>, and an operator restored from
    /// them and driven through <paramref name="then"/> and <paramref name="finish"/> must emit what an
    /// uninterrupted one emits.
    /// </summary>
    private static void AssertCaptureHoldsTheBarrierState<TOp, TOut>(Func<TOp> create, Action<TOp, IOutput<TOut>> first, Action<TOp, IOutput<TOut>> then, Action<TOp, IOutput<TOut>> finish)
        where TOp : ICheckpointedOperator
    {
        var live = create();
        first(live, new Collect<TOut>());
        var capture = live.Capture(Serializer);
        then(live, new Collect<TOut>());
        finish(live, new Collect<TOut>());
        byte[] captured = capture();

        var atBarrier = create();
        first(atBarrier, new Collect<TOut>());
        Assert.Equal(atBarrier.Snapshot(Serializer), captured);

        var restored = create();
        restored.Restore(captured, Serializer);
        var afterRestore = new Collect<TOut>();
        then(restored, afterRestore);
        finish(restored, afterRestore);
        var uninterrupted = new Collect<TOut>();
        then(atBarrier, uninterrupted);
        finish(atBarrier, uninterrupted);
        Assert.NotEmpty(uninterrupted.Items);
        Assert.Equal(uninterrupted.Items.Select(i => (i.Item, i.Time)), afterRestore.Items.Select(i => (i.Item, i.Time)));
    }

    private static (long[] Items, long[] Times) Records(int from, int to) =>
        ([.. Enumerable.Range(from, to - from).Select(i => (long)i)], [.. Enumerable.Range(from, to - from).Select(i => (long)i)]);

    private static void Feed<TOut>(Operator<long, TOut> op, IOutput<TOut> output, int from, int to)
    {
        var (items, times) = Records(from, to);
        op.OnRecords(items, times, output);
    }

    [Fact]
    public void A_window_aggregate_serializes_the_accumulators_it_had_at_the_capture()
    {
        AssertCaptureHoldsTheBarrierState<WindowAggregateOperator<long, long, long, long>, WindowResult<long, long>>(
            () => new WindowAggregateOperator<long, long, long, long>(WindowSpec.Sliding(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10)), r => r % 5, new CountAggregate<long>(), allowedLatenessMs: 15),
            (op, o) => { Feed(op, o, 0, 50); op.OnWatermark(20, o); },
            (op, o) => { Feed(op, o, 15, 120); op.OnWatermark(70, o); Feed(op, o, 55, 80); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    /// <summary>Lists each window's records in the order they came, in one list changed in place.</summary>
    private sealed class ListAggregate : IAggregate<long, List<long>, string>
    {
        public List<long> Create() => [];

        public List<long> Add(List<long> accumulator, long item)
        {
            accumulator.Add(item);
            return accumulator;
        }

        public string Result(List<long> accumulator) => string.Join(",", accumulator);
    }

    [Fact]
    public void A_window_aggregate_whose_accumulators_change_in_place_serializes_them_at_the_capture()
    {
        AssertCaptureHoldsTheBarrierState<WindowAggregateOperator<long, long, List<long>, string>, WindowResult<long, string>>(
            () => new WindowAggregateOperator<long, long, List<long>, string>(WindowSpec.Tumbling(TimeSpan.FromMilliseconds(30)), r => r % 3, new ListAggregate()),
            (op, o) => Feed(op, o, 0, 40),
            (op, o) => { Feed(op, o, 35, 100); op.OnWatermark(60, o); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    [Fact]
    public void A_window_join_serializes_the_records_it_had_at_the_capture()
    {
        static void Both(WindowJoinOperator<long, long, long, long> op, IOutput<long> o, int from, int to)
        {
            var (items, times) = Records(from, to);
            op.OnLeft(items, times, o);
            op.OnRight(items, times, o);
        }
        AssertCaptureHoldsTheBarrierState<WindowJoinOperator<long, long, long, long>, long>(
            () => new WindowJoinOperator<long, long, long, long>(WindowSpec.Tumbling(TimeSpan.FromMilliseconds(25)), l => l % 4, r => r % 4, (l, r, _) => l * 1000 + r),
            (op, o) => Both(op, o, 0, 40),
            (op, o) => { Both(op, o, 30, 90); op.OnWatermark(50, o); Both(op, o, 55, 70); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    [Fact]
    public void A_session_window_serializes_the_sessions_it_had_at_the_capture()
    {
        AssertCaptureHoldsTheBarrierState<SessionWindowOperator<long, long, long, long>, WindowResult<long, long>>(
            () => new SessionWindowOperator<long, long, long, long>(8, r => r % 3, new CountAggregate<long>(), allowedLatenessMs: 10),
            (op, o) => { Feed(op, o, 0, 30); Feed(op, o, 60, 70); },
            (op, o) => { Feed(op, o, 30, 45); op.OnWatermark(50, o); Feed(op, o, 45, 58); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    [Fact]
    public void A_table_join_serializes_the_versions_and_waiting_records_it_had_at_the_capture()
    {
        AssertCaptureHoldsTheBarrierState<TableJoinOperator<long, long, long, long>, long>(
            () => new TableJoinOperator<long, long, long, long>(l => l % 4, r => r % 4, (l, r) => l * 1000 + r),
            (op, o) => { var (i, t) = Records(0, 20); op.OnRight(i, t, o); (i, t) = Records(5, 30); op.OnLeft(i, t, o); op.OnWatermark(10, o); },
            (op, o) => { var (i, t) = Records(20, 40); op.OnRight(i, t, o); (i, t) = Records(30, 45); op.OnLeft(i, t, o); op.OnWatermark(35, o); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    [Fact]
    public void A_table_join_with_state_expiry_restores_to_expire_the_same_keys()
    {
        AssertCaptureHoldsTheBarrierState<TableJoinOperator<long, long, long, long>, long>(
            () => new TableJoinOperator<long, long, long, long>(l => l % 6, r => r % 6, (l, r) => l * 1000 + r, stateExpiryMs: 8),
            (op, o) => { var (i, t) = Records(0, 20); op.OnRight(i, t, o); (i, t) = Records(5, 30); op.OnLeft(i, t, o); op.OnWatermark(10, o); },
            (op, o) => { var (i, t) = Records(24, 40); op.OnRight(i, t, o); (i, t) = Records(30, 60); op.OnLeft(i, t, o); op.OnWatermark(35, o); },
            (op, o) => op.OnWatermark(Watermark.EndOfStream, o));
    }

    /// <summary>A store whose writes fail for one checkpoint.</summary>
    private sealed class FailingStore(IStateStore inner, long failing) : IStateStore
    {
        public Task WriteAsync(string query, long checkpointId, int instance, ReadOnlyMemory<byte> state, CancellationToken cancellationToken) =>
            checkpointId == failing ? throw new IOException("disk full") : inner.WriteAsync(query, checkpointId, instance, state, cancellationToken);

        public Task CompleteAsync(string query, long checkpointId, ReadOnlyMemory<byte> metadata, int keep, CancellationToken cancellationToken) =>
            inner.CompleteAsync(query, checkpointId, metadata, keep, cancellationToken);

        public Task<IReadOnlyList<long>> CompletedAsync(string query, CancellationToken cancellationToken) => inner.CompletedAsync(query, cancellationToken);

        public Task<byte[]> ReadMetadataAsync(string query, long checkpointId, CancellationToken cancellationToken) => inner.ReadMetadataAsync(query, checkpointId, cancellationToken);

        public Task<byte[]> ReadAsync(string query, long checkpointId, int instance, CancellationToken cancellationToken) => inner.ReadAsync(query, checkpointId, instance, cancellationToken);
    }

    private static async Task<long> WaitForCompletedAsync(CheckpointCoordinator coordinator, long id)
    {
        for (int i = 0; i < 2000 && coordinator.LastCompleted < id; i++) await Task.Delay(5);
        return coordinator.LastCompleted;
    }

    private static async Task WaitForRequestAsync(FakeTimeProvider clock, CheckpointCoordinator coordinator, long id)
    {
        for (int i = 0; i < 2000 && coordinator.Requested < id; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }
        Assert.Equal(id, coordinator.Requested);
    }

    [Fact]
    public async Task A_part_that_fails_to_serialize_fails_its_checkpoint_and_the_next_one_completes_with_the_state_then_captured()
    {
        var clock = new FakeTimeProvider();
        var store = new DirectoryStateStore(Path.Combine(Path.GetTempPath(), $"cameo-capture-{Guid.NewGuid():N}"));
        await using var coordinator = new CheckpointCoordinator("q", new CheckpointOptions { Store = store, Interval = TimeSpan.FromSeconds(1) }, instances: 1, sources: 1, clock, NullLogger.Instance);
        await coordinator.RecoverAsync(CancellationToken.None);
        coordinator.Start();

        await WaitForRequestAsync(clock, coordinator, 1);
        coordinator.Acknowledge(1, 0, new CapturedState([1], () => throw new NotSupportedException("cannot serialize"), null, null));
        await WaitForRequestAsync(clock, coordinator, 2);
        Assert.Equal(0, coordinator.LastCompleted);

        var state = new List<int> { 1, 2 };
        var capture = new List<int>(state);
        coordinator.Acknowledge(2, 0, new CapturedState([2], () => JsonSerializer.SerializeToUtf8Bytes(capture), null, null));
        state.Add(3); // the live state goes on after the capture
        Assert.Equal(2, await WaitForCompletedAsync(coordinator, 2));
        var saved = InstanceState.FromBytes(await store.ReadAsync("q", 2, 0, CancellationToken.None));
        Assert.Equal(new byte[] { 2 }, saved.Host);
        Assert.Equal(new[] { 1, 2 }, JsonSerializer.Deserialize<List<int>>(saved.Operator!));
    }

    [Fact]
    public async Task On_linux_the_state_is_serialized_on_a_thread_at_the_lowest_priority()
    {
        if (!OperatingSystem.IsLinux()) return;
        var clock = new FakeTimeProvider();
        var store = new DirectoryStateStore(Path.Combine(Path.GetTempPath(), $"cameo-capture-{Guid.NewGuid():N}"));
        await using var coordinator = new CheckpointCoordinator("q", new CheckpointOptions { Store = store, Interval = TimeSpan.FromSeconds(1) }, instances: 1, sources: 1, clock, NullLogger.Instance);
        await coordinator.RecoverAsync(CancellationToken.None);
        coordinator.Start();
        await WaitForRequestAsync(clock, coordinator, 1);
        coordinator.Acknowledge(1, 0, new CapturedState([1], () => [1], null, null));
        Assert.Equal(1, await WaitForCompletedAsync(coordinator, 1));

        // The thread's nice value: field 19 of /proc/self/task/TID/stat (fields counted after the command's closing parenthesis from 3).
        var saver = Directory.GetDirectories("/proc/self/task").Single(task => File.ReadAllText(Path.Combine(task, "comm")).StartsWith("cameo-checkpoi", StringComparison.Ordinal));
        string stat = File.ReadAllText(Path.Combine(saver, "stat"));
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal("19", fields[19 - 3]);
    }

    [Fact]
    public async Task A_part_that_fails_to_be_written_fails_its_checkpoint_and_the_next_one_completes()
    {
        var clock = new FakeTimeProvider();
        var inner = new DirectoryStateStore(Path.Combine(Path.GetTempPath(), $"cameo-capture-{Guid.NewGuid():N}"));
        await using var coordinator = new CheckpointCoordinator("q", new CheckpointOptions { Store = new FailingStore(inner, failing: 1), Interval = TimeSpan.FromSeconds(1) }, instances: 1, sources: 1, clock, NullLogger.Instance);
        await coordinator.RecoverAsync(CancellationToken.None);
        coordinator.Start();
        await WaitForRequestAsync(clock, coordinator, 1);
        coordinator.Acknowledge(1, 0, new InstanceState([1], [1], null, null));
        await WaitForRequestAsync(clock, coordinator, 2);
        coordinator.Acknowledge(2, 0, new InstanceState([2], [2], null, null));
        Assert.Equal(2, await WaitForCompletedAsync(coordinator, 2));
        Assert.Equal(new[] { 2L }, await inner.CompletedAsync("q", CancellationToken.None));
    }
}
