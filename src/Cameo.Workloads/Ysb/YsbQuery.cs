using Cameo.Operators;

namespace Cameo.Workloads.Ysb;

/// <summary>
/// The Yahoo Streaming Benchmark query: keep <c>view</c> events; project them to (ad, event time);
/// join each ad with its campaign from the in-memory <see cref="YsbCampaigns"/> table (YSB's Redis
/// lookup as a table join in a Select); count views per campaign in 10 s event-time tumbling windows.
/// </summary>
/// <remarks>
/// Results are keyed by campaign index; <see cref="YsbCampaigns.CampaignIds"/> names them. The parser
/// resolves ad ids against the same table, so YSB's "drop events of unknown ads" happens in the
/// filter, together with dropping non-views. Windows use the records' event-time stamps, which the
/// source assigns (<see cref="YsbEvent.EventTime"/>, or <see cref="YsbJsonLine.Timestamp"/> for raw lines).
/// </remarks>
/// <example>
/// A paced YSB tenant (same seed, same events under every policy), and a saturation run on a trace:
/// <code>
/// var campaigns = new YsbCampaigns(seed);
/// var generator = new YsbGenerator(campaigns, seed);
/// engine.AddQuery("ysb", TimeSpan.FromSeconds(1), b => YsbQuery.Define(b,
///     Source.Generate((i, dueMs) => generator.Event(i, dueMs), eventsPerSecond: 100_000), campaigns,
///     Sink.Call&lt;WindowResult&lt;int, long&gt;&gt;(r => Console.WriteLine($"{campaigns.CampaignIds[r.Key]} {r.Start}: {r.Value}"))));
///
/// var trace = new YsbTrace(generator, count: 1 &lt;&lt; 19, startMs: 1_700_000_000_000, eventsPerSecond: 1_000_000);
/// engine.AddQuery("ysb-json", TimeSpan.FromSeconds(1), b => YsbQuery.DefineJson(b, trace.ReplayJson(), campaigns, sink, parseParallelism: 2));
/// </code>
/// </example>
public static class YsbQuery
{
    /// <summary>YSB's window: 10 s tumbling, in event time.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    /// <summary>The query over pre-parsed events.</summary>
    /// <param name="query">The builder handed to <see cref="CameoEngine.AddQuery"/>.</param>
    /// <param name="source">The events.</param>
    /// <param name="campaigns">The ad → campaign table.</param>
    /// <param name="sink">Receives each (campaign index, window) count.</param>
    /// <param name="maxOutOfOrderness">How late an event may be and still be counted.</param>
    public static void Define(QueryBuilder query, Source<YsbEvent> source, YsbCampaigns campaigns,
        Sink<WindowResult<int, long>> sink, TimeSpan? maxOutOfOrderness = null)
    {
        var events = query.From(source).WithEventTime(e => e.EventTime, maxOutOfOrderness ?? DefaultOutOfOrderness);
        CountViews(events, campaigns, sink);
    }

    /// <summary>The query over raw JSON lines, parsed inside the query (so parsing is part of its cost).</summary>
    /// <param name="query">The builder handed to <see cref="CameoEngine.AddQuery"/>.</param>
    /// <param name="source">The lines.</param>
    /// <param name="campaigns">The ad → campaign table (also resolves ad ids while parsing).</param>
    /// <param name="sink">Receives each (campaign index, window) count.</param>
    /// <param name="parseParallelism">Instances of the parsing operator (the costliest step).</param>
    /// <param name="maxOutOfOrderness">How late an event may be and still be counted.</param>
    /// <remarks>A line that is not a YSB event fails the query with a <see cref="YsbFormatException"/> naming the line.</remarks>
    public static void DefineJson(QueryBuilder query, Source<YsbJsonLine> source, YsbCampaigns campaigns,
        Sink<WindowResult<int, long>> sink, int parseParallelism = 1, TimeSpan? maxOutOfOrderness = null)
    {
        var parser = new YsbParser(campaigns);
        var events = query.From(source)
            .WithEventTime(l => l.Timestamp, maxOutOfOrderness ?? DefaultOutOfOrderness)
            .Select(l => parser.Parse(l.Span))
            .WithParallelism(parseParallelism);
        CountViews(events, campaigns, sink);
    }

    private static readonly TimeSpan DefaultOutOfOrderness = TimeSpan.FromMilliseconds(100);

    private static void CountViews(Stream<YsbEvent> events, YsbCampaigns campaigns, Sink<WindowResult<int, long>> sink) =>
        events
            .Where(e => e.EventType == YsbEventType.View && e.AdIndex >= 0)
            .Select(e => new YsbAdView(e.AdIndex, e.EventTime))
            .Select(v => new YsbCampaignView(campaigns.CampaignOf(v.AdIndex), v.EventTime))
            .KeyBy(c => c.CampaignIndex).Window(Window).Count()
            .To(sink);
}
