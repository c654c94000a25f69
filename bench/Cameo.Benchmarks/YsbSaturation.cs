using System.Diagnostics;
using Cameo.Operators;
using Cameo.Scheduling;
using Cameo.Workloads.Bench;
using Cameo.Workloads.Ysb;

namespace Cameo.Benchmarks;

/// <summary>
/// Runs the YSB query as fast as it goes on a pre-generated trace, through <see cref="CameoEngine"/>
/// and, for scale, as a plain single-threaded loop doing the same work; prints events/s, allocated
/// bytes per event (steady state: after the warm-up) and the process's peak working set.
/// </summary>
internal sealed class YsbSaturation(double seconds, double warmup, int workers, ISchedulingPolicy policy, int traceEvents, int parseParallelism, int seed, int repeats, bool sampleAllocations)
{
    private const long TraceStartMs = 1_700_000_000_000;

    public int Run(string[] modes)
    {
        var campaigns = new YsbCampaigns(seed);
        var trace = new YsbTrace(new YsbGenerator(campaigns, seed), traceEvents, TraceStartMs, eventsPerSecond: 1_000_000);
        Console.WriteLine($"YSB saturation: {workers} worker(s), policy {policy.Name}, {Environment.ProcessorCount} core(s); trace of {trace.Count:N0} events ({trace.JsonBytes / 1e6:F0} MB JSON), {warmup} s warm-up + {seconds} s per run");
        Console.WriteLine($"{"run",-16} {"events/s",14} {"per CPU-s",14} {"cores",6} {"B/event",9} {"outputs",9}");
        for (int repeat = 0; repeat < repeats; repeat++)
            foreach (string mode in modes)
            {
                var result = mode switch
                {
                    "engine-parsed" => Engine(trace, campaigns, json: false),
                    "engine-json" => Engine(trace, campaigns, json: true),
                    "engine-parsed" + OtelExport.Suffix => Engine(trace, campaigns, json: false, otel: true),
                    "engine-json" + OtelExport.Suffix => Engine(trace, campaigns, json: true, otel: true),
                    "loop-parsed" => Loop(trace, campaigns, json: false),
                    "loop-json" => Loop(trace, campaigns, json: true),
                    _ => throw new ArgumentException($"Unknown mode '{mode}'."),
                };
                Console.WriteLine($"{mode,-16} {result.EventsPerSecond,14:N0} {result.EventsPerCpuSecond,14:N0} {result.Cores,6:F2} {result.BytesPerEvent,9:F3} {result.Outputs,9:N0}");
            }
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (the trace holds {(trace.JsonBytes + trace.Count * 16L) / (1024.0 * 1024):F0} MiB)");
        return 0;
    }

    /// <param name="EventsPerSecond">Events per second of wall-clock time.</param>
    /// <param name="EventsPerCpuSecond">Events per second of the process's CPU time: robust when other processes share the cores.</param>
    /// <param name="Cores">CPU time over wall-clock time: how many cores the process kept busy.</param>
    /// <param name="BytesPerEvent">Bytes allocated (by the whole process) per event.</param>
    /// <param name="Outputs">Window results emitted over the whole run.</param>
    private readonly record struct Result(double EventsPerSecond, double EventsPerCpuSecond, double Cores, double BytesPerEvent, long Outputs);

    /// <param name="trace"></param>

    /// <param name="campaigns"></param>
    /// <param name="json"></param>    /// <param name="otel">With OpenTelemetry export on for the run (<see cref="OtelExport"/>).</param>
    private Result Engine(YsbTrace trace, YsbCampaigns campaigns, bool json, bool otel = false)
    {
        using var export = otel ? OtelExport.Start() : null;
        using var engine = new EngineScope(CameoEngine.Create(o => { o.Workers = workers; o.Policy = policy; }));
        long outputs = 0, views = 0;
        var sink = Sink.Call<WindowResult<int, long>>(r => { outputs++; views += r.Value; }); // one sink instance: one thread at a time
        Func<long> read;
        QueryHandle query;
        if (json)
        {
            var replay = trace.ReplayJson();
            read = () => replay.Read;
            query = engine.Engine.AddQuery("ysb-json", TimeSpan.FromSeconds(1), b => YsbQuery.DefineJson(b, replay, campaigns, sink, parseParallelism));
        }
        else
        {
            var replay = trace.ReplayEvents();
            read = () => replay.Read;
            query = engine.Engine.AddQuery("ysb", TimeSpan.FromSeconds(1), b => YsbQuery.Define(b, replay, campaigns, sink));
        }
        engine.Engine.Start();
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var m = Measure(read, () => Thread.Sleep(TimeSpan.FromSeconds(seconds)));
        query.Stop();
        query.Completion.Wait(TimeSpan.FromSeconds(30)); // stopping flushes every window
        if (query.Failure is { } failure) throw failure;
        long total = read();
        if (query.Completion.IsCompleted && Math.Abs(views - total / 3.0) > total * 0.01)
            throw new InvalidOperationException($"The query counted {views:N0} views in {total:N0} events; about a third was expected.");
        return m.ToResult(outputs);
    }

    private Result Loop(YsbTrace trace, YsbCampaigns campaigns, bool json)
    {
        var loop = new PlainLoop(trace, campaigns);
        loop.RunFor(TimeSpan.FromSeconds(warmup), json);
        return Measure(() => loop.Events, () => loop.RunFor(TimeSpan.FromSeconds(seconds), json)).ToResult(loop.Outputs);
    }

    private Measurement Measure(Func<long> events, Action run)
    {
        using var sampler = sampleAllocations ? new AllocationSampler() : null;
        var process = Process.GetCurrentProcess();
        long events0 = events(), allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        run();
        long events1 = events(), allocated1 = GC.GetTotalAllocatedBytes(precise: true);
        process.Refresh();
        foreach (var (type, samples) in sampler?.Top(8) ?? [])
            Console.WriteLine($"    allocation samples (~100 KB each): {samples,5} {type}");
        return new Measurement(events1 - events0, watch.Elapsed, process.TotalProcessorTime - cpu0, allocated1 - allocated0);
    }

    private readonly record struct Measurement(long Events, TimeSpan Elapsed, TimeSpan Cpu, long Allocated)
    {
        public Result ToResult(long outputs) => new(
            Events / Elapsed.TotalSeconds, Events / Cpu.TotalSeconds, Cpu / Elapsed, Allocated / (double)Events, outputs);
    }

    /// <summary>Disposes the engine synchronously (the measurement runs on the main thread).</summary>
    private sealed class EngineScope(CameoEngine engine) : IDisposable
    {
        public CameoEngine Engine => engine;
        public void Dispose() => engine.DisposeAsync().AsTask().Wait();
    }

    /// <summary>
    /// The YSB query as one plain loop on one thread: parse (or not), filter, project, join, count per
    /// campaign and 10 s window, emit a window's counts once the stream has passed its end.
    /// </summary>
    private sealed class PlainLoop(YsbTrace trace, YsbCampaigns campaigns)
    {
        private readonly YsbParser _parser = new(campaigns);
        private readonly long[] _counts = new long[campaigns.CampaignIds.Count];
        private long _window = long.MinValue;
        private long _pass;
        private int _next;

        public long Events { get; private set; }
        public long Outputs { get; private set; }

        public void RunFor(TimeSpan duration, bool json)
        {
            var watch = Stopwatch.StartNew();
            long windowSize = (long)YsbQuery.Window.TotalMilliseconds;
            var events = trace.Events;
            while (watch.Elapsed < duration)
            {
                for (int k = 0; k < 1 << 16; k++)
                {
                    YsbEvent e = json ? _parser.Parse(trace.Line(_next)) : events[_next];
                    long t = e.EventTime + _pass * trace.SpanMs;
                    if (++_next == trace.Count) { _next = 0; _pass++; }
                    if (e.EventType != YsbEventType.View || e.AdIndex < 0) continue;
                    int campaign = campaigns.CampaignOf(e.AdIndex);
                    long window = t - t % windowSize;
                    if (window != _window) Fire(window);
                    _counts[campaign]++;
                }
                Events += 1 << 16;
            }
        }

        private void Fire(long next)
        {
            foreach (long c in _counts) if (c > 0) Outputs++;
            Array.Clear(_counts);
            _window = next;
        }
    }
}
