namespace Cameo.Progress;

/// <summary>Event-time progress: no record with a timestamp at or below the watermark is still expected.</summary>
public static class Watermark
{
    /// <summary>Nothing is known yet.</summary>
    public const long None = long.MinValue;

    /// <summary>The end of a finite stream: every window may close.</summary>
    public const long EndOfStream = long.MaxValue;
}
