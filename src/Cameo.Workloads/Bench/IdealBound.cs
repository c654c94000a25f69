using Cameo.Dataflow;
using Cameo.Metrics;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Scheduling;
using Cameo.Time;
using HdrHistogram;

namespace Cameo.Workloads.Bench;

/// <summary>
/// What a perfect scheduler could have met on a random mix: the run's arrivals and the engine's
/// profiled costs replayed on the same number of workers under preemptive EDF (see
/// <see cref="EdfReplay"/>), reported as a run of policy <see cref="Policy"/> with the same
/// per-query fields as the measured runs.
/// </summary>
/// <remarks>
/// <para>
/// The arrivals are those of the run: each tenant's sources are the engine's own paced generators
/// with the run's rate schedule and seed, read here without waiting (a paced generator's trace is
/// fixed by its schedule and seed, which is what makes every policy see the same trace). Each
/// query is its dataflow of stages: its records cost what the engine profiled per source record
/// (every operator's processing time over the records read, window and join bookkeeping
/// included, their firings not), grouped into jobs of the records arriving within
/// <see cref="JobWidth"/>, each job after the one before it on the same instance (the query's
/// parallelism; an instance takes its messages in order); a windowed stage fires when the event
/// that moves the watermark (largest event time seen minus the same out-of-orderness bound) past
/// the window's end arrives, and only after all the window's records and every job before the
/// closing one were processed (the watermark follows them on every channel); a firing costs, per
/// output, the profiled time the windows (or the join) spent emitting results, and the sink's.
/// Window results are one per key; a join's are its pairs; a filter's are the records it keeps.
/// </para>
/// <para>
/// Deadlines come from the engine's code: <see cref="ContextConverter.Frontier"/> with a forecast
/// that knows the trace (when the window-closing event arrives) and
/// <see cref="SchedulingPolicies.Edf"/>'s rank of the context <see cref="ContextConverter.Build"/>
/// gives. An output's latency is its completion minus its frontier arrival, counted, as in the
/// runs, for outputs completed in the measured time after the warm-up.
/// </para>
/// </remarks>
public static class IdealBound
{
    /// <summary>The policy name of the replayed run in reports and results.json.</summary>
    public const string Policy = "ideal";

    /// <summary>Records of one query arriving within this many ticks form one job (a quarter millisecond).</summary>
    public const long JobWidth = TimeSpan.TicksPerMillisecond / 4;

    /// <summary>Where the replay's physical time starts (its windows align to event time like the runs').</summary>
    private static readonly long Start = PhysicalTime.FromEventTime(1_767_225_600_000);

    private const long MaxLatencyMicros = 3_600_000_000;

    /// <summary>
    /// Replays the random mix <paramref name="scenario"/> as <paramref name="runs"/> ran it: at the
    /// rates the calibration offered at <paramref name="load"/>, with the operator costs the runs
    /// profiled, summed over them.
    /// </summary>
    public static Task<RunResult> ReplayAsync(Scenario scenario, Capacity capacity, double load, int seed, int workers, double warmupSeconds, double seconds, IEnumerable<RunResult> runs)
    {
        var mix = scenario.Mix ?? throw new ArgumentException($"{scenario.Name} is not a random mix.", nameof(scenario));
        var offered = scenario.Queries.ToDictionary(q => q.Name, q => capacity.RateFor(q, load));
        var costs = runs.SelectMany(r => r.Queries).Where(q => q.Operators is not null)
            .GroupBy(q => q.Name)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<OperatorCost>)[.. g.SelectMany(q => q.Operators!).GroupBy(o => o.Node)
                .Select(n => n.First() with { Records = n.Sum(o => o.Records), BusyTicks = n.Sum(o => o.BusyTicks) })]);
        return ReplayAsync(scenario, mix, offered, costs, seed, workers, warmupSeconds, seconds);
    }

    /// <summary>
    /// Replays the mix of <paramref name="tenants"/> as it ran: offered <paramref name="offered"/>
    /// events per second each, with <paramref name="seed"/>, for <paramref name="warmupSeconds"/> +
    /// <paramref name="seconds"/>, on <paramref name="workers"/> workers, with the per-operator
    /// costs the runs profiled (<paramref name="costs"/>, by query; several runs' costs are summed).
    /// </summary>
    public static async Task<RunResult> ReplayAsync(Scenario scenario, IReadOnlyList<RandomTenant> tenants, IReadOnlyDictionary<string, double> offered,
        IReadOnlyDictionary<string, IReadOnlyList<OperatorCost>> costs, int seed, int workers, double warmupSeconds, double seconds)
    {
        var replay = new EdfReplay();
        var jobs = new List<JobInfo>();
        var models = new List<TenantModel>();
        long end = Start + (long)((warmupSeconds + seconds) * TimeSpan.TicksPerSecond);
        // The trace goes on past the measured time, so the last windows close as they did in the run.
        long traceEnd = end + tenants.Max(t => t.Window.Ticks) + TimeSpan.TicksPerSecond;
        foreach (var tenant in tenants)
        {
            var query = scenario.Queries.First(q => q.Name == tenant.Name);
            var input = new WorkloadInput(ScenarioRunner.ScheduleFor(scenario, query, offered[tenant.Name], warmupSeconds), seed);
            var model = new TenantModel(models.Count, tenant, Costs(tenant, costs.GetValueOrDefault(tenant.Name)));
            models.Add(model);
            await model.BuildAsync(input, traceEnd, replay, jobs).ConfigureAwait(false);
        }

        long from = Start + (long)(warmupSeconds * TimeSpan.TicksPerSecond);
        var (completion, busy) = replay.Run(workers, from, end);
        var latency = models.Select(_ => new LongHistogram(MaxLatencyMicros, 3)).ToArray();
        var onTarget = new long[models.Count];
        for (int j = 0; j < jobs.Count; j++)
        {
            var job = jobs[j];
            long done = completion[j];
            if (job.Outputs == 0 || done < from || done >= end) continue;
            long target = models[job.Tenant].Target;
            for (long k = 0; k < job.Outputs; k++)
            {
                long frontier = job.Outputs == 1 ? job.FirstFrontier : job.FirstFrontier + (job.LastFrontier - job.FirstFrontier) * k / (job.Outputs - 1);
                long ticks = done - frontier;
                latency[job.Tenant].RecordValue(Math.Clamp(ticks / 10, 0, MaxLatencyMicros));
                if (ticks <= target) onTarget[job.Tenant]++;
            }
        }

        var results = models.Select(m =>
        {
            var h = latency[m.Index];
            long outputs = h.TotalCount;
            double Ms(double percentile) => outputs == 0 ? 0 : h.GetValueAtPercentile(percentile) / 1000.0;
            var query = scenario.Queries.First(q => q.Name == m.Tenant.Name);
            var stats = new QueryStats(m.Tenant.Name, m.Tenant.Target, outputs, Ms(50), Ms(95), Ms(99), outputs == 0 ? 0 : h.GetMaxValue() / 1000.0,
                outputs == 0 ? 1 : onTarget[m.Index] / (double)outputs, m.InputsBetween(from, end) / seconds, outputs / seconds, m.LateEvents, 0, []);
            IReadOnlyList<(double, double)> cdf = outputs == 0 ? [] : [.. Enumerable.Range(0, 201).Select(i => (h.GetValueAtPercentile(i / 2.0) / 1000.0, i / 200.0))];
            return new QueryResult(m.Tenant.Name, query.Class, query.LatencyTarget.TotalMilliseconds, offered[m.Tenant.Name], stats, cdf);
        }).ToList();
        double utilization = busy / ((double)workers * (end - from));
        return new RunResult(Policy, "replay", workers, utilization, results, 0);
    }

    /// <summary>
    /// Per source record, the ticks of work up to the windowed stage (all of it for a filter); per
    /// output, the firing's ticks (a window's or join's emitting, which waits for the close) and the sink's.
    /// </summary>
    private static (double PerRecord, double PerOutput) Costs(RandomTenant tenant, IReadOnlyList<OperatorCost>? operators)
    {
        double fallback = tenant.CpuMicros * 10; // a tenant none of whose records were profiled: its nominal CPU per event
        if (operators is null) return (fallback, 0);
        long sourceRecords = operators.Where(o => o.Kind == NodeKind.Source).Sum(o => o.Records);
        var sinks = operators.Where(o => o.Kind == NodeKind.Sink).ToList();
        var stages = operators.Where(o => o.Kind == NodeKind.Operator).ToList();
        long firing = stages.Sum(o => o.FiringTicks), work = stages.Sum(o => o.BusyTicks) - firing;
        long sinkBusy = sinks.Sum(s => s.BusyTicks), sinkRecords = sinks.Sum(s => s.Records);
        if (sourceRecords == 0) return (fallback, 0);
        return tenant.Shape == MixShape.Stateless
            ? ((work + firing + sinkBusy) / (double)sourceRecords, 0)
            : (work / (double)sourceRecords, sinkRecords == 0 ? 0 : (firing + sinkBusy) / (double)sinkRecords);
    }

    /// <summary>A replayed job: whose, how many outputs its completion emits, and the frontier arrivals they are measured from (spread evenly).</summary>
    private readonly record struct JobInfo(int Tenant, long Outputs, long FirstFrontier, long LastFrontier);

    /// <summary>Knows when the largest event time seen on each input first reached each millisecond: the trace's own forecast.</summary>
    private sealed class TraceFrontier(long baseMs, long[][] firstArrival) : IFrontierSource
    {
        public long ExpectedArrival(long eventTimeMs)
        {
            long latest = long.MinValue;
            foreach (var port in firstArrival)
            {
                long i = eventTimeMs - baseMs;
                long at = i < 0 ? Start : i >= port.Length ? long.MaxValue : port[i];
                latest = Math.Max(latest, at);
            }
            return latest;
        }
    }

    /// <summary>One tenant's dataflow as jobs.</summary>
    private sealed class TenantModel(int index, RandomTenant tenant, (double PerRecord, double PerOutput) costs)
    {
        public int Index => index;
        public RandomTenant Tenant => tenant;
        public long Target => tenant.Target.Ticks;
        public long LateEvents { get; private set; }
        private readonly List<long> _arrivalsPerSecond = [];

        private static readonly DownstreamCosts NoCosts = new(1, []);

        /// <summary>Source records that arrived in [from, to).</summary>
        public long InputsBetween(long from, long to)
        {
            long count = 0;
            for (int s = 0; s < _arrivalsPerSecond.Count; s++)
            {
                long second = Start + s * TimeSpan.TicksPerSecond;
                if (second >= from && second < to) count += _arrivalsPerSecond[s];
            }
            return count;
        }

        public async Task BuildAsync(WorkloadInput input, long end, EdfReplay replay, List<JobInfo> jobs)
        {
            var sources = new List<Source<Reading>> { tenant.ReadingsSource(input) };
            if (tenant.Shape == MixShape.Join) sources.Add(tenant.NoticesSource(input));
            long baseMs = PhysicalTime.ToEventTime(Start) - 1000;
            long spanMs = PhysicalTime.ToEventTime(end) - baseMs + 1000;

            // Pass 1: when the largest event time seen on each input first reaches each millisecond.
            var firstArrival = new long[sources.Count][];
            for (int p = 0; p < sources.Count; p++)
            {
                var table = firstArrival[p] = new long[spanMs];
                Array.Fill(table, long.MaxValue);
                long maxSeen = baseMs - 1;
                await foreach (var (arrival, r) in Read(sources[p], end).ConfigureAwait(false))
                {
                    for (long t = Math.Max(maxSeen + 1, baseMs); t <= r.TimeMs && t - baseMs < spanMs; t++) table[t - baseMs] = arrival;
                    maxSeen = Math.Max(maxSeen, r.TimeMs);
                }
            }
            var frontier = new TraceFrontier(baseMs, firstArrival);

            // Pass 2: records into jobs in arrival order (inputs merged), windows into firings.
            bool windowed = tenant.Shape != MixShape.Stateless;
            var spec = tenant.WindowSpec;
            ReleasePath[] paths = [windowed ? new ReleasePath([spec]) : ReleasePath.Immediate];
            long delay = (long)QueryShapes.OutOfOrderness.TotalMilliseconds;
            var screen = tenant.ScreenBits();
            var open = new SortedDictionary<long, Window>();
            long closedUpTo = long.MinValue; // windows ending at or before this have fired
            var bucket = new Bucket();
            // The stages ahead of the window run on `Parallelism` instances, each taking its messages
            // in order: a job waits for the one before it on its instance, and a firing, whose
            // watermark follows every record read before the closing one, for the last job on each.
            var lastOnInstance = new int[Math.Max(1, tenant.Parallelism)];
            Array.Fill(lastOnInstance, -1);
            int flushed = 0;

            void Flush()
            {
                if (bucket.Records == 0) return;
                long frontierTime = ContextConverter.Frontier(bucket.FirstArrival, bucket.MinEventTime, paths, frontier, delay);
                var context = ContextConverter.Build(index, Target, bucket.FirstArrival, frontierTime, NoCosts, 0);
                long rank = SchedulingPolicies.Edf.Rank(context, bucket.FirstArrival);
                int id = replay.Add(bucket.LastArrival, (long)Math.Ceiling(bucket.Records * costs.PerRecord), rank);
                jobs.Add(new JobInfo(index, bucket.Outputs, bucket.FirstOutput, bucket.LastOutput));
                foreach (long start in bucket.Windows) open[start].Jobs.Add(id);
                // Firings due with this job wait for the jobs before it, and for it only if it holds
                // their records: the engine sends a closing watermark ahead of the records above it.
                int[] before = [.. lastOnInstance];
                int instance = flushed++ % lastOnInstance.Length;
                if (lastOnInstance[instance] >= 0) replay.After(lastOnInstance[instance], id);
                lastOnInstance[instance] = id;
                long last = bucket.LastArrival;
                bucket = new Bucket();
                while (open.Count > 0 && open.First() is var (start, w) && w.Closing <= last)
                {
                    open.Remove(start);
                    closedUpTo = Math.Max(closedUpTo, start + spec.Size);
                    Fire(w, before);
                }
            }

            void Fire(Window w, int[] before)
            {
                long outputs = tenant.Shape == MixShape.Join ? w.Pairs() : w.Keys.Count;
                if (outputs == 0) return;
                var context = ContextConverter.Build(index, Target, w.Closing, w.Closing, NoCosts, 0);
                int id = replay.Add(w.Closing, Math.Max(1, (long)Math.Ceiling(outputs * costs.PerOutput)), SchedulingPolicies.Edf.Rank(context, w.Closing));
                jobs.Add(new JobInfo(index, outputs, w.Closing, w.Closing));
                foreach (int job in w.Jobs.Union(before.Where(j => j >= 0))) replay.After(job, id);
            }

            await foreach (var (arrival, port, r) in Merge(sources, end).ConfigureAwait(false))
            {
                if (bucket.Records > 0 && arrival >= bucket.FirstArrival + JobWidth) Flush();
                long second = (arrival - Start) / TimeSpan.TicksPerSecond;
                while (_arrivalsPerSecond.Count <= second) _arrivalsPerSecond.Add(0);
                _arrivalsPerSecond[(int)second]++;
                bool kept = port == 1 || tenant.Shape is MixShape.Tumbling or MixShape.Sliding || RandomTenant.Passes(r, screen);
                bucket.Add(arrival, r.TimeMs, output: tenant.Shape == MixShape.Stateless && kept);
                if (!windowed || !kept) continue;
                bool late = true;
                for (long start = spec.FirstStart(r.TimeMs); start <= spec.LastStart(r.TimeMs); start += spec.Slide)
                {
                    if (start + spec.Size <= closedUpTo) continue;
                    late = false;
                    if (!open.TryGetValue(start, out var w))
                        open[start] = w = new Window(frontier.ExpectedArrival(start + spec.Size + delay));
                    w.Add(tenant.Shape == MixShape.Join ? r.Sensor : tenant.KeyOf(r), port);
                    bucket.Touch(start);
                }
                if (late) LateEvents++;
            }
            Flush();
        }

        /// <summary>Every input's records in arrival order (left before right at equal arrivals).</summary>
        private static async IAsyncEnumerable<(long Arrival, int Port, Reading Record)> Merge(IReadOnlyList<Source<Reading>> sources, long end)
        {
            var streams = sources.Select(s => Read(s, end).GetAsyncEnumerator()).ToArray();
            var has = new bool[streams.Length];
            for (int p = 0; p < streams.Length; p++) has[p] = await streams[p].MoveNextAsync().ConfigureAwait(false);
            while (true)
            {
                int next = -1;
                for (int p = 0; p < streams.Length; p++)
                    if (has[p] && (next < 0 || streams[p].Current.Arrival < streams[next].Current.Arrival)) next = p;
                if (next < 0) break;
                var (arrival, record) = streams[next].Current;
                yield return (arrival, next, record);
                has[next] = await streams[next].MoveNextAsync().ConfigureAwait(false);
            }
            foreach (var s in streams) await s.DisposeAsync().ConfigureAwait(false);
        }

        /// <summary>The records of a paced generator due before <paramref name="end"/>, with their arrivals, read without waiting.</summary>
        private static async IAsyncEnumerable<(long Arrival, Reading Record)> Read(Source<Reading> source, long end)
        {
            await using var reader = source.Open(0, 1, new SourceContext(_ => { }));
            var items = new Reading[4096];
            var arrivals = new long[4096];
            long now = Start; // the first read fixes the generator's start
            while (true)
            {
                var read = await reader.ReadAsync(items, arrivals, now, CancellationToken.None).ConfigureAwait(false);
                for (int i = 0; i < read.Count; i++)
                    if (arrivals[i] < end) yield return (arrivals[i], items[i]);
                if (read.Completed || (read.Count == 0 && now == end)) yield break;
                now = end;
            }
        }
    }

    /// <summary>The records of one job being gathered.</summary>
    private sealed class Bucket
    {
        public long Records, Outputs, FirstArrival, LastArrival, FirstOutput, LastOutput;
        public long MinEventTime = long.MaxValue;
        public readonly List<long> Windows = [];

        public void Add(long arrival, long eventTime, bool output)
        {
            if (Records++ == 0) FirstArrival = arrival;
            LastArrival = arrival;
            MinEventTime = Math.Min(MinEventTime, eventTime);
            if (!output) return;
            if (Outputs++ == 0) FirstOutput = arrival;
            LastOutput = arrival;
        }

        public void Touch(long windowStart)
        {
            if (!Windows.Contains(windowStart)) Windows.Add(windowStart);
        }
    }

    /// <summary>An open window: when it closes, the jobs holding its records, and its keys (per input for a join).</summary>
    private sealed class Window(long closing)
    {
        public long Closing => closing;
        public readonly List<int> Jobs = [];
        public readonly Dictionary<int, (long Left, long Right)> Keys = [];

        public void Add(int key, int port)
        {
            var (left, right) = Keys.GetValueOrDefault(key);
            Keys[key] = port == 0 ? (left + 1, right) : (left, right + 1);
        }

        public long Pairs() => Keys.Values.Sum(k => k.Left * k.Right);
    }
}
