using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Cameo.Workloads.Ysb;

/// <summary>
/// Parses YSB JSON events without allocating: a <see cref="Utf8JsonReader"/> over the bytes, ad ids
/// resolved through the <see cref="YsbCampaigns"/> table (UUID → index, no strings), only the fields
/// the query reads decoded, the others skipped. Field order does not matter.
/// </summary>
public sealed class YsbParser(YsbCampaigns campaigns)
{
    /// <summary>Parses one event.</summary>
    /// <exception cref="YsbFormatException">The line is not a YSB event; the message says why and shows the line.</exception>
    public YsbEvent Parse(ReadOnlySpan<byte> json) =>
        TryParse(json, out var e, out string? error) ? e : throw new YsbFormatException(error!, json);

    /// <summary>Parses one event, or says why it cannot.</summary>
    public bool TryParse(ReadOnlySpan<byte> json, out YsbEvent parsed, out string? error)
    {
        parsed = default;
        try
        {
            return TryRead(json, out parsed, out error);
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return false;
        }
    }

    private bool TryRead(ReadOnlySpan<byte> json, out YsbEvent parsed, out string? error)
    {
        parsed = default;
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) { error = "an event must be a JSON object"; return false; }
        int ad = 0;
        YsbEventType type = default;
        long time = 0;
        int seen = 0; // bit 0: ad_id, 1: event_type, 2: event_time
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("ad_id"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) { error = "ad_id must be a UUID string"; return false; }
                ad = reader.ValueIsEscaped ? -1 : campaigns.AdIndexOfCanonical(reader.ValueSpan); // the ids as generated, byte for byte
                if (ad < 0)
                {
                    if (!reader.TryGetGuid(out Guid id)) { error = "ad_id must be a UUID string"; return false; }
                    ad = campaigns.AdIndexOf(id); // another spelling of a known ad, or an unknown one
                }
                seen |= 1;
            }
            else if (reader.ValueTextEquals("event_type"u8))
            {
                reader.Read();
                if (reader.ValueTextEquals("view"u8)) type = YsbEventType.View;
                else if (reader.ValueTextEquals("click"u8)) type = YsbEventType.Click;
                else if (reader.ValueTextEquals("purchase"u8)) type = YsbEventType.Purchase;
                else { error = "event_type must be \"view\", \"click\" or \"purchase\""; return false; }
                seen |= 2;
            }
            else if (reader.ValueTextEquals("event_time"u8))
            {
                reader.Read();
                bool ok = reader.TokenType switch
                {
                    JsonTokenType.Number => reader.TryGetInt64(out time),
                    JsonTokenType.String => !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out time, out int used) && used == reader.ValueSpan.Length,
                    _ => false,
                };
                if (!ok) { error = "event_time must be an integer (Unix ms), as a string or a number"; return false; }
                seen |= 4;
            }
            else
            {
                reader.Read();
                reader.Skip(); // a field the query does not read
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject) { error = "the event object is not closed"; return false; }
        if (reader.Read()) { error = "content follows the event object"; return false; } // the reader throws on anything but whitespace
        if (seen != 7)
        {
            error = $"missing field {((seen & 1) == 0 ? "ad_id" : (seen & 2) == 0 ? "event_type" : "event_time")}";
            return false;
        }
        parsed = new YsbEvent(ad, type, time);
        error = null;
        return true;
    }
}

/// <summary>A line that is not a YSB event. The message gives the reason and (the start of) the line.</summary>
public sealed class YsbFormatException(string reason, ReadOnlySpan<byte> line)
    : FormatException($"Not a YSB event ({reason}): {Preview(line)}")
{
    public string Reason { get; } = reason;

    private static string Preview(ReadOnlySpan<byte> line)
    {
        const int Max = 160;
        string text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, Max)]);
        return line.Length > Max ? text + "…" : text;
    }
}
