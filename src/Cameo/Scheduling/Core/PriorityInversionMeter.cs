using Cameo.Metrics;
using HdrHistogram;

namespace Cameo.Scheduling.Core;

/// <summary>
/// Measures priority inversion on a set of workers: for every message, the time between the moment
/// it could run (enqueued, and its own instance's previous message done) and its start during
/// which at least one worker was running a message ranked lower (a larger rank) than it, a worker
/// it could have used had messages been preemptible.
/// </summary>
/// <remarks>
/// <para><b>How.</b> Each worker keeps a ring of its last <see cref="History"/> messages as
/// (start, end, rank) intervals; the running message's end is open. When a message starts, the
/// rings are scanned back to its enqueue time, the intervals of lower-ranked messages are clipped
/// to its wait, and the length of their union is recorded. A wait spanning more than
/// <see cref="History"/> messages of one worker is measured over the most recent ones only. No
/// allocation per message: the rings and the union's scratch space are allocated up front, and the
/// histograms (HdrHistogram's <see cref="Recorder"/>, one per worker) record wait-free.</para>
/// <para><b>Threads.</b> Worker <c>w</c>'s calls (<see cref="Started"/>, <see cref="Finished"/>)
/// must come from one thread at a time (the worker, or whoever holds turn <c>w</c>); other workers
/// read its ring concurrently. <see cref="Snapshot"/> and <see cref="Reset"/> may be called from
/// any thread.</para>
/// <para><b>Ranks.</b> The waiting message counts with its own rank; a running message with the
/// rank it was served at. Timestamps are any monotonic clock's (e.g. <see cref="System.Diagnostics.Stopwatch"/>),
/// the same for every call.</para>
/// </remarks>
public sealed class PriorityInversionMeter
{
    /// <summary>
    /// Messages per worker kept for the scan. It bounds the work per message start (at most this
    /// many intervals per worker are looked at), and so how far back a long wait is measured.
    /// </summary>
    public const int History = 64;

    private const long HighestMicros = 3_600_000_000; // one hour

    private struct Interval
    {
        public long Start;
        public long End; // long.MaxValue while the message runs
        public long Rank;
    }

    private sealed class Worker(int workers)
    {
        public readonly Interval[] Ring = new Interval[History];
        public long Count; // intervals ever written; published after each write
        public readonly (long Start, long End, long Index)[] Scratch = new (long, long, long)[workers * History];

        // One writer per recorder: workers never contend on a shared histogram.
        public readonly Recorder Recorder = HistogramFactory.With64BitBucketSize().WithValuesFrom(1).WithValuesUpTo(HighestMicros)
            .WithPrecisionOf(3).WithThreadSafeReads().Create();

        public HistogramBase? Recycled; // guarded by the meter's lock
    }

    private readonly Worker[] _workers;
    private readonly double _microsPerTick;
    private readonly object _lock = new();
    private readonly LongHistogram _total = new(1, HighestMicros, 3);

    /// <param name="workers">Workers (or turns) that run messages, numbered 0 .. workers - 1.</param>
    /// <param name="timestampFrequency">Timestamp ticks per second.</param>
    public PriorityInversionMeter(int workers, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(timestampFrequency, 1);
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++) _workers[i] = new Worker(workers);
        _microsPerTick = 1e6 / timestampFrequency;
    }

    /// <summary>Workers measured.</summary>
    public int Workers => _workers.Length;

    /// <summary>
    /// Worker <paramref name="worker"/> starts, at <paramref name="now"/>, a message served at
    /// <paramref name="servedRank"/> that could run from <paramref name="enqueuedAt"/> on (its enqueue, or the end of its instance's previous message if later) with rank
    /// <paramref name="rank"/>: records the message's inversion, and marks the worker busy with it.
    /// </summary>
    public void Started(int worker, long rank, long servedRank, long enqueuedAt, long now)
    {
        var w = _workers[worker];
        long inversion = enqueuedAt < now ? Inversion(w.Scratch, rank, enqueuedAt, now) : 0;
        w.Recorder.RecordValue(Math.Min(HighestMicros, (long)(inversion * _microsPerTick)));
        long count = w.Count;
        ref var slot = ref w.Ring[Slot(count)];
        Volatile.Write(ref slot.End, long.MaxValue);
        slot.Start = now;
        slot.Rank = servedRank;
        Volatile.Write(ref w.Count, count + 1);
    }

    /// <summary>Worker <paramref name="worker"/> finished its message at <paramref name="now"/>.</summary>
    public void Finished(int worker, long now)
    {
        var w = _workers[worker];
        long count = w.Count;
        if (count > 0) Volatile.Write(ref w.Ring[Slot(count - 1)].End, now);
    }

    private static int Slot(long index) => (int)(index & (History - 1)); // History is a power of two

    /// <summary>How long, within [<paramref name="from"/>, <paramref name="to"/>), some worker ran a message ranked above <paramref name="rank"/>.</summary>
    private long Inversion((long Start, long End, long Index)[] scratch, long rank, long from, long to)
    {
        // Collect each worker's lower-ranked intervals, clipped to the wait: newest first, so every
        // worker's run of the scratch space is disjoint and in decreasing time.
        int workers = _workers.Length;
        Span<int> head = workers <= 64 ? stackalloc int[workers] : new int[workers];
        Span<int> stop = workers <= 64 ? stackalloc int[workers] : new int[workers];
        int n = 0, contributors = 0;
        for (int j = 0; j < workers; j++)
        {
            var w = _workers[j];
            int first = n;
            long count = Volatile.Read(ref w.Count);
            for (long i = count - 1; i >= 0 && i >= count - History; i--)
            {
                ref var slot = ref w.Ring[Slot(i)];
                long end = Volatile.Read(ref slot.End);
                long start = slot.Start;
                if (end == long.MaxValue) end = to; // still running
                if (end <= from) break; // this worker's older messages ended even earlier
                if (slot.Rank <= rank) continue;
                long s = Math.Max(start, from), e = Math.Min(end, to);
                if (s < e) scratch[n++] = (s, e, i);
            }
            // Entries the worker overwrote while we read them are unreliable: drop them.
            long oldestIntact = Volatile.Read(ref w.Count) - History;
            while (n > first && scratch[n - 1].Index < oldestIntact) n--;
            head[j] = first;
            stop[j] = n;
            if (n > first) contributors++;
        }
        if (contributors == 0) return 0;
        if (contributors == 1) // one worker's intervals are disjoint already
        {
            long sum = 0;
            for (int i = 0; i < n; i++) sum += scratch[i].End - scratch[i].Start;
            return sum;
        }
        // Union of the workers' runs: merge them by decreasing end, extending the current stretch
        // while the next interval reaches into it. Linear in the intervals, no sort.
        long total = 0, runStart = long.MaxValue, runEnd = long.MaxValue;
        while (true)
        {
            int next = -1;
            for (int j = 0; j < workers; j++)
                if (head[j] < stop[j] && (next < 0 || scratch[head[j]].End > scratch[head[next]].End)) next = j;
            if (next < 0) break;
            var (start, end, _) = scratch[head[next]++];
            if (runEnd == long.MaxValue || end < runStart)
            {
                if (runEnd != long.MaxValue) total += runEnd - runStart;
                runStart = start;
                runEnd = end;
            }
            else runStart = Math.Min(runStart, start);
        }
        return total + runEnd - runStart;
    }

    /// <summary>p99 and max of every message's inversion since construction or <see cref="Reset"/>.</summary>
    public PriorityInversion Snapshot()
    {
        lock (_lock)
        {
            Collect(add: true);
            long messages = _total.TotalCount;
            return messages == 0 ? PriorityInversion.None
                : new PriorityInversion(_total.GetValueAtPercentile(99) / 1000.0, _total.GetMaxValue() / 1000.0, messages);
        }
    }

    /// <summary>Forgets what was measured (the rings stay: a message enqueued before still measures its whole wait).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Collect(add: false);
            _total.Reset();
        }
    }

    /// <summary>Takes what every worker recorded since the last call, adding it to the total or dropping it. Under the lock.</summary>
    private void Collect(bool add)
    {
        foreach (var w in _workers)
        {
            var interval = w.Recorder.GetIntervalHistogram(w.Recycled);
            if (add) _total.Add(interval);
            w.Recycled = interval;
        }
    }
}
