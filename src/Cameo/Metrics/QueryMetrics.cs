using System.Collections.Concurrent;
using Cameo.Operators;
using Cameo.Time;
using HdrHistogram;

namespace Cameo.Metrics;

/// <summary>
/// One query's measurements, as Cameo defines them: each output's latency is its emission time minus
/// the physical arrival of its frontier event. Thread-safe: sink instances record concurrently.
/// </summary>
public sealed class QueryMetrics
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> Cameo publishes on (see <see cref="CameoTelemetry"/>).</summary>
    public const string MeterName = CameoTelemetry.Name;

    private const long HighestMicros = 3_600_000_000; // one hour
    private readonly object _lock = new();
    private readonly TimeProvider _clock;
    private readonly CameoTelemetry _telemetry;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly long _targetTicks;
    private LongHistogram _latency = NewHistogram();
    // The timeline: one summary per second with outputs, the most recent ones only; the current
    // second is measured in one histogram reused from second to second.
    private readonly Queue<LatencyPoint> _timeline = new();
    private readonly LongHistogram _second = NewHistogram();
    private long _secondAt = -1;
    private readonly int _timelineSeconds;
    private long _startTicks;
    private long _inputs, _outputs, _withinTarget, _late, _deadLetterCount;
    private readonly ConcurrentQueue<DeadLetter> _deadLetters = new();
    private readonly int _deadLetterSamples;

    /// <summary>Most characters of a dead letter's input kept in its sample; longer inputs are cut.</summary>
    public const int MaxDeadLetterInputLength = 1024;

    /// <summary>Default of the samples of dead letters kept per query.</summary>
    public const int DefaultDeadLetterSamples = 1000;

    /// <summary>Default of the seconds of latency timeline kept per query (one hour).</summary>
    public const int DefaultTimelineSeconds = 3600;

    /// <param name="query">The query's name (the <c>query</c> tag of every measurement).</param>
    /// <param name="latencyTarget">The query's latency target.</param>
    /// <param name="clock">Where time is read.</param>
    /// <param name="deadLetterSamples">Most dead letters kept (the latest); all are counted.</param>
    /// <param name="timelineSeconds">Most seconds of latency timeline kept (the latest).</param>
    /// <param name="telemetry">The instruments to publish on; default <see cref="CameoTelemetry.Shared"/>.</param>
    public QueryMetrics(string query, TimeSpan latencyTarget, TimeProvider clock, int deadLetterSamples = DefaultDeadLetterSamples, int timelineSeconds = DefaultTimelineSeconds, CameoTelemetry? telemetry = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deadLetterSamples);
        ArgumentOutOfRangeException.ThrowIfNegative(timelineSeconds);
        Query = query;
        _telemetry = telemetry ?? CameoTelemetry.Shared;
        _clock = clock;
        _targetTicks = latencyTarget.Ticks;
        _tag = new("query", query);
        _startTicks = PhysicalTime.Now(clock);
        _deadLetterSamples = deadLetterSamples;
        _timelineSeconds = timelineSeconds;
    }

    public string Query { get; }

    /// <summary>The instruments this query publishes on.</summary>
    public CameoTelemetry Telemetry => _telemetry;

    /// <summary>
    /// The latest inputs no source could read, with where and why: at most the samples asked for
    /// (default <see cref="DefaultDeadLetterSamples"/>), each input cut at
    /// <see cref="MaxDeadLetterInputLength"/> characters. <see cref="DeadLetterCount"/> counts them all.
    /// </summary>
    public IReadOnlyCollection<DeadLetter> DeadLetters => _deadLetters;

    /// <summary>Every input no source could read since the start, whether its sample is kept or not.</summary>
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Records <paramref name="count"/> input events read at the sources.</summary>
    public void RecordInputs(int count)
    {
        Interlocked.Add(ref _inputs, count);
        _telemetry.Inputs.Add(count, _tag);
    }

    /// <summary>Records <paramref name="count"/> outputs emitted at <paramref name="now"/> whose frontier event arrived at <paramref name="frontierArrival"/>.</summary>
    public void RecordOutputs(int count, long frontierArrival, long now)
    {
        if (count <= 0) return;
        long latencyTicks = Math.Max(0, now - frontierArrival);
        long micros = Math.Clamp(latencyTicks / 10, 1, HighestMicros);
        long second = (now - Volatile.Read(ref _startTicks)) / TimeSpan.TicksPerSecond;
        lock (_lock)
        {
            _latency.RecordValueWithCount(micros, count);
            if (second > _secondAt)
            {
                CloseSecond();
                _secondAt = second;
            }
            if (second >= 0) _second.RecordValueWithCount(micros, count); // an output a sink timed just before the turn of the second counts in the new one
            _outputs += count;
            if (latencyTicks <= _targetTicks) _withinTarget += count;
        }
        Publish(count, latencyTicks);
    }

    /// <summary>
    /// Publishes <paramref name="count"/> outputs of one latency: the latency and the slack once per
    /// output (the outputs of one message share the event that released them), and the misses.
    /// </summary>
    private void Publish(int count, long latencyTicks)
    {
        var t = _telemetry;
        t.Outputs.Add(count, _tag);
        bool missed = latencyTicks > _targetTicks;
        if (missed) t.Misses.Add(count, _tag);
        if (t.Latency.Enabled)
        {
            double seconds = latencyTicks / (double)TimeSpan.TicksPerSecond;
            for (int i = 0; i < count; i++) t.Latency.Record(seconds, _tag);
        }
        if (t.Slack.Enabled)
        {
            double slack = (_targetTicks - latencyTicks) / (double)TimeSpan.TicksPerSecond;
            for (int i = 0; i < count; i++) t.Slack.Record(slack, _tag);
        }
    }

    public void RecordLate(long count)
    {
        if (count <= 0) return;
        Interlocked.Add(ref _late, count);
        _telemetry.Late.Add(count, _tag);
    }

    /// <summary>Counts <paramref name="letter"/> and keeps it (its input cut if long) among the latest samples.</summary>
    /// <returns>The query's dead letters so far, this one included.</returns>
    public long RecordDeadLetter(DeadLetter letter)
    {
        long count = Interlocked.Increment(ref _deadLetterCount);
        _telemetry.DeadLetters.Add(1, _tag);
        if (_deadLetterSamples == 0) return count;
        if (letter.Input.Length > MaxDeadLetterInputLength)
            letter = letter with { Input = string.Concat(letter.Input.AsSpan(0, MaxDeadLetterInputLength), $"... ({letter.Input.Length} characters)") };
        _deadLetters.Enqueue(letter);
        while (_deadLetters.Count > _deadLetterSamples) _deadLetters.TryDequeue(out _);
        return count;
    }

    /// <summary>Ends the current second of the timeline: its summary joins the kept ones (the oldest leaves when full). Under the lock.</summary>
    private void CloseSecond()
    {
        if (_second.TotalCount == 0) return;
        if (_timelineSeconds > 0)
        {
            _timeline.Enqueue(Summary(_secondAt, _second));
            while (_timeline.Count > _timelineSeconds) _timeline.Dequeue();
        }
        _second.Reset();
    }

    /// <summary>The kept seconds and the current one, at most the seconds asked for. Under the lock.</summary>
    private List<LatencyPoint> Timeline()
    {
        var points = new List<LatencyPoint>(_timeline.Count + 1);
        bool current = _second.TotalCount > 0 && _timelineSeconds > 0;
        points.AddRange(current && _timeline.Count == _timelineSeconds ? _timeline.Skip(1) : _timeline);
        if (current) points.Add(Summary(_secondAt, _second));
        return points;
    }

    private static LatencyPoint Summary(long second, LongHistogram h) =>
        new(second, h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(99) / 1000.0, h.GetMaxValue() / 1000.0, h.TotalCount);

    /// <summary>Forgets everything measured so far (used to drop a warm-up period).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _latency = NewHistogram();
            _timeline.Clear();
            _second.Reset();
            _secondAt = -1;
            _outputs = 0;
            _withinTarget = 0;
            Interlocked.Exchange(ref _inputs, 0);
            Interlocked.Exchange(ref _late, 0);
            Volatile.Write(ref _startTicks, PhysicalTime.Now(_clock));
        }
    }

    /// <summary>A consistent summary of everything measured since the start or the last <see cref="Reset"/>.</summary>
    public QueryStats Snapshot()
    {
        lock (_lock)
        {
            double seconds = Math.Max(1e-9, (PhysicalTime.Now(_clock) - _startTicks) / (double)TimeSpan.TicksPerSecond);
            bool any = _latency.TotalCount > 0;
            return new QueryStats(
                Query,
                TimeSpan.FromTicks(_targetTicks),
                _outputs,
                any ? _latency.GetValueAtPercentile(50) / 1000.0 : 0,
                any ? _latency.GetValueAtPercentile(95) / 1000.0 : 0,
                any ? _latency.GetValueAtPercentile(99) / 1000.0 : 0,
                any ? _latency.GetMaxValue() / 1000.0 : 0,
                _outputs == 0 ? 1.0 : _withinTarget / (double)_outputs,
                Interlocked.Read(ref _inputs) / seconds,
                _outputs / seconds,
                Interlocked.Read(ref _late),
                DeadLetterCount,
                Timeline());
        }
    }

    /// <summary>Every latency recorded, as (latency ms, cumulative fraction) steps, for CDF plots.</summary>
    public IReadOnlyList<(double LatencyMs, double Fraction)> Cdf(int points = 200)
    {
        lock (_lock)
        {
            var result = new List<(double, double)>();
            if (_latency.TotalCount == 0) return result;
            for (int i = 0; i <= points; i++)
            {
                double p = 100.0 * i / points;
                result.Add((_latency.GetValueAtPercentile(p) / 1000.0, p / 100));
            }
            return result;
        }
    }

    private static LongHistogram NewHistogram() => new(HighestMicros, 3);
}

/// <summary>A query's measurements at one moment. Latencies in milliseconds.</summary>
public sealed record QueryStats(
    string Query,
    TimeSpan LatencyTarget,
    long Outputs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double SlaAttainment,
    double InputEventsPerSecond,
    double OutputsPerSecond,
    long LateEvents,
    long DeadLetters,
    IReadOnlyList<LatencyPoint> Timeline);

/// <summary>Latency of the outputs emitted during one second of the run.</summary>
public sealed record LatencyPoint(long Second, double P50Ms, double P99Ms, double MaxMs, long Outputs);
