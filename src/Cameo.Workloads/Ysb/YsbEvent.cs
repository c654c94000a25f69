namespace Cameo.Workloads.Ysb;

/// <summary>The YSB <c>event_type</c> field; the generator draws the three uniformly.</summary>
public enum YsbEventType : byte { View, Click, Purchase }

/// <summary>
/// A YSB ad event, pre-parsed: only what the query reads, with the ad id resolved to its index in
/// the <see cref="YsbCampaigns"/> table (so nothing on the hot path is a string).
/// </summary>
/// <param name="AdIndex">Index of the ad in <see cref="YsbCampaigns.AdIds"/>, or -1 for an ad the table does not know.</param>
/// <param name="EventType">The event's type.</param>
/// <param name="EventTime">The event's <c>event_time</c>, Unix ms.</param>
public readonly record struct YsbEvent(int AdIndex, YsbEventType EventType, long EventTime);

/// <summary>
/// A raw YSB event as it comes off a log such as Kafka: one UTF-8 JSON object (without the line
/// break) in a shared buffer, and the record timestamp the log keeps beside it.
/// </summary>
/// <param name="Buffer">The buffer holding the line.</param>
/// <param name="Offset">Where the line starts.</param>
/// <param name="Length">The line's length in bytes.</param>
/// <param name="Timestamp">
/// The log's record timestamp (Unix ms; Kafka's CreateTime). Sources stamp event time from it, since
/// the JSON is only parsed inside the query. The generator sets it to the event's <c>event_time</c>;
/// a replay that loops over a trace moves it forward on every pass.
/// </param>
public readonly record struct YsbJsonLine(byte[] Buffer, int Offset, int Length, long Timestamp)
{
    /// <summary>The line's bytes.</summary>
    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);
}

/// <summary>The query's projection of a view: which ad, and when (YSB step 3).</summary>
public readonly record struct YsbAdView(int AdIndex, long EventTime);

/// <summary>A view joined with its ad's campaign (YSB step 4).</summary>
public readonly record struct YsbCampaignView(int CampaignIndex, long EventTime);
