using System.Collections.Concurrent;
using Cameo.Dataflow;
using Cameo.Operators;
using Cameo.Progress;
using Cameo.Runtime;
using Cameo.Scheduling;
using Cameo.Tests.Support;
using Cameo.Tests.Windows;
using Cameo.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Tests.Engine;

/// <summary>
/// Shared streams: read and parsed once for every query that uses them, with results equal to
/// separate queries', failures kept per query, and each shared message ranked by the most urgent
/// of the contexts it would carry in its readers.
/// </summary>
public class SharedStreamTests
{
    private static readonly Ev[] Events = EventGen.BoundedDisorder(new Random(3), 3000, 5, 100, 5);
    private static readonly string[] Lines = [.. Events.Select(e => $"{e.Id};{e.Key};{e.Time};{e.Value}")];

    /// <summary>Three queries: windowed counts, a filter, a session sum.</summary>
    private static void Define(Stream<Ev> s, ConcurrentBag<WindowResult<int, long>> counts, ConcurrentBag<int> filtered, ConcurrentBag<WindowResult<int, int>> sessions, int which)
    {
        switch (which)
        {
            case 0: s.KeyBy(e => e.Key).Window(TimeSpan.FromMilliseconds(500)).Count().WithParallelism(2).To(counts.Add); break;
            case 1: s.Where(e => e.Value > 40).Select(e => e.Id).To(filtered.Add); break;
            default: s.KeyBy(e => e.Key).SessionWindow(TimeSpan.FromMilliseconds(30)).Sum(e => e.Value).To(sessions.Add); break;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_shared_stream_is_parsed_once_and_every_query_gets_what_it_would_alone(int parseParallelism)
    {
        int parses = 0;
        Ev Parse(string line) { Interlocked.Increment(ref parses); return NewOperatorEndToEndTests.Parse(line); }

        var shared = (Counts: new ConcurrentBag<WindowResult<int, long>>(), Filtered: new ConcurrentBag<int>(), Sessions: new ConcurrentBag<WindowResult<int, int>>());
        await using (var engine = CameoEngine.Create(o => o.BatchSize = 64))
        {
            var evs = engine.Stream("events", s => s.From(Source.From(Lines)).Select(Parse).WithParallelism(parseParallelism)
                .WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100)));
            var queries = Enumerable.Range(0, 3).Select(i => engine.AddQuery($"q{i}", TimeSpan.FromMilliseconds(20 + 100 * i),
                b => Define(b.From(evs), shared.Counts, shared.Filtered, shared.Sessions, i))).ToList();
            await engine.RunAsync().WaitAsync(Within.Run);
            foreach (var q in queries) await q.Completion;
        }
        Assert.Equal(Lines.Length, parses);

        var alone = (Counts: new ConcurrentBag<WindowResult<int, long>>(), Filtered: new ConcurrentBag<int>(), Sessions: new ConcurrentBag<WindowResult<int, int>>());
        await using (var engine = CameoEngine.Create(o => o.BatchSize = 64))
        {
            for (int i = 0; i < 3; i++)
            {
                int which = i;
                engine.AddQuery($"q{i}", TimeSpan.FromMilliseconds(20), b => Define(
                    b.From(Source.From(Lines)).Select(NewOperatorEndToEndTests.Parse).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100)),
                    alone.Counts, alone.Filtered, alone.Sessions, which));
            }
            await engine.RunAsync().WaitAsync(Within.Run);
        }
        Assert.Equal(alone.Counts.Select(r => (r.Key, r.Start, r.Value)).Order(), shared.Counts.Select(r => (r.Key, r.Start, r.Value)).Order());
        Assert.Equal(alone.Filtered.Order(), shared.Filtered.Order());
        Assert.Equal(alone.Sessions.Select(r => (r.Key, r.Start, r.End, r.Value)).Order(), shared.Sessions.Select(r => (r.Key, r.Start, r.End, r.Value)).Order());
        Assert.NotEmpty(shared.Counts);
    }

    [Fact]
    public async Task Stopping_the_engine_mid_stream_gives_every_reader_every_record_the_shared_part_read()
    {
        static IEnumerable<long> Endless() { for (long i = 0; ; i++) yield return i; }
        long parsed = 0;
        long Parse(long i)
        {
            Interlocked.Increment(ref parsed);
            // Some work per record, so the shared part still holds records in flight when the engine stops.
            long spin = i;
            for (int k = 0; k < 2_000; k++) spin = spin * 31 + k;
            return spin == long.MinValue ? -1 : i;
        }

        var readers = new[] { new ConcurrentQueue<long>(), new ConcurrentQueue<long>() };
        await using (var engine = CameoEngine.Create(o => { o.Workers = 2; o.BatchSize = 64; }))
        {
            var numbers = engine.Stream("numbers", s => s.From(Source.From(Endless())).Select(Parse).WithParallelism(2));
            var queries = readers.Select((r, i) => engine.AddQuery($"reader{i}", TimeSpan.FromMilliseconds(10 + 90 * i), b => b.From(numbers).To(r.Enqueue))).ToList();
            engine.Start();
            while (readers.Any(r => r.Count < 20_000)) await Task.Delay(10);
            await engine.StopAsync(Within.Run);
            foreach (var q in queries) await q.Completion;
        }

        // Each reader got each record read exactly once: none still in the shared part was dropped at the stop.
        foreach (var reader in readers)
            Assert.Equal(Enumerable.Range(0, (int)parsed).Select(i => (long)i), reader.Order());
    }

    [Fact]
    public async Task A_failing_reader_does_not_stop_the_others()
    {
        var counts = new ConcurrentBag<WindowResult<int, long>>();
        await using var engine = CameoEngine.Create(o => o.BatchSize = 16);
        var evs = engine.Stream("events", s => s.From(Source.From(Events)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(100)));
        var failing = engine.AddQuery("failing", TimeSpan.FromMilliseconds(50), b => b.From(evs)
            .Select(e => e.Id == 1500 ? throw new InvalidOperationException("boom") : e).To(_ => { }));
        var healthy = engine.AddQuery("healthy", TimeSpan.FromMilliseconds(50), b => b.From(evs)
            .KeyBy(e => e.Key).Window(TimeSpan.FromSeconds(1)).Count().To(counts.Add));
        var run = await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));
        Assert.Single(run.InnerExceptions); // only the failing reader
        await Assert.ThrowsAsync<QueryFailedException>(() => failing.Completion);
        await healthy.Completion;
        Assert.Equal(Events.Length, counts.Sum(r => r.Value));
    }

    [Fact]
    public async Task A_failing_shared_stream_fails_its_readers()
    {
        await using var engine = new CameoEngine();
        var evs = engine.Stream("events", s => s.From(Source.From(Events)).Select(e => e.Id == 10 ? throw new InvalidOperationException("bad input") : e));
        var reader = engine.AddQuery("reader", TimeSpan.FromMilliseconds(50), b => b.From(evs).To(_ => { }));
        await Assert.ThrowsAsync<AggregateException>(() => engine.RunAsync().WaitAsync(Within.Run));
        var error = await Assert.ThrowsAsync<QueryFailedException>(() => reader.Completion);
        Assert.Contains("events", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_stream_holds_only_stateless_operators()
    {
        var engine = new CameoEngine();
        var error = Assert.Throws<QueryDefinitionException>(() => engine.Stream("windowed", s => s.From(Source.From(Events))
            .KeyBy(e => e.Key).Window(TimeSpan.FromSeconds(1)).Count()));
        Assert.Contains("only stateless operators", error.Message, StringComparison.Ordinal);
    }

    private sealed class FixedLag(long lagTicks) : IFrontierSource
    {
        public long ExpectedArrival(long eventTimeMs) => PhysicalTime.FromEventTime(eventTimeMs) + lagTicks;
    }

    internal sealed record Reader(long TargetMs, WindowSpec[] Windows, long LagMs, long DelayMs, long CostBelowMs)
    {
        public SharedConsumer View => new(TimeSpan.FromMilliseconds(TargetMs).Ticks, [Windows.Length == 0 ? ReleasePath.Immediate : new ReleasePath(Windows)],
            new FixedLag(TimeSpan.FromMilliseconds(LagMs).Ticks), DelayMs, TimeSpan.FromMilliseconds(CostBelowMs).Ticks);
    }

    private static readonly Gen<Reader> Readers =
        from target in Gen.Choose(5, 5000)
        from n in Gen.Choose(0, 2)
        from windows in Gen.ArrayOf(Gen.Elements(EventGen.Windows.Append(WindowSpec.Session(TimeSpan.FromMilliseconds(300))).ToArray()), n)
        from lag in Gen.Choose(0, 2000)
        from delay in Gen.Choose(0, 500)
        from cost in Gen.Choose(0, 20)
        select new Reader(target, windows, lag, delay, cost);

    /// <summary>The release event time of a path, from the window definitions (a session: the gap after the record).</summary>
    private static long ReleaseOf(long t, WindowSpec[] windows)
    {
        long release = t;
        foreach (var w in windows)
        {
            release = w.IsSession ? t + w.Size : WindowOracle.StartsContaining(t, w).Min(s => s + w.Size);
            t = release - 1;
        }
        return release;
    }

    [Property(MaxTest = 300)]
    public Property A_shared_message_carries_the_most_urgent_of_its_readers_contexts() =>
        Prop.ForAll((
            from readers in Gen.ListOf(Readers, Gen.Choose(1, 5).Sample(1)[0]).Select(l => l.ToArray())
            from t in Gen.Choose(0, 100_000)
            from arrivalOffset in Gen.Choose(0, 3000)
            from opCost in Gen.Choose(0, 5)
            from sharedPath in Gen.Choose(0, 5)
            select (readers, t, arrivalOffset, opCost, sharedPath)).ToArbitrary(), c =>
        {
            long ms = TimeSpan.TicksPerMillisecond;
            long eventTime = EventGen.Base + c.t;
            long arrival = PhysicalTime.FromEventTime(eventTime) + c.arrivalOffset * ms;
            SharedConsumer[] views = [.. c.readers.Select(r => r.View)];
            var got = ContextConverter.MostUrgent(7, arrival, eventTime, Watermark.None, Watermark.None, c.opCost * ms, c.sharedPath * ms, views)!.Value;

            // Brute force: each reader's deadline as that query alone defines it, then the earliest.
            var deadlines = c.readers.Select(r =>
            {
                long frontier = r.Windows.Length == 0 ? arrival
                    : Math.Max(arrival, PhysicalTime.FromEventTime(ReleaseOf(eventTime, r.Windows) + r.DelayMs) + r.LagMs * ms);
                return frontier + r.TargetMs * ms - c.opCost * ms - c.sharedPath * ms - r.CostBelowMs * ms;
            }).ToList();
            int best = deadlines.IndexOf(deadlines.Min());
            return got.StartDeadline == deadlines[best] && got.LatencyTarget == c.readers[best].TargetMs * ms && got.QueryId == 7;
        });
}
