using Cameo.Progress;

namespace Cameo.Time;

/// <summary>
/// An event-time window: windows of <see cref="Size"/> ms start every <see cref="Slide"/> ms,
/// aligned to the Unix epoch. Tumbling windows have <c>Slide == Size</c>. A session window
/// (<see cref="Session"/>) has no fixed start: it holds a key's records until a gap of
/// <see cref="Size"/> ms without one; only <see cref="FirstEnd"/> and <see cref="Problem"/> apply to it.
/// </summary>
public readonly record struct WindowSpec
{
    public WindowSpec(long sizeMs, long slideMs)
    {
        Size = sizeMs;
        Slide = slideMs;
    }

    /// <summary>Window length in event-time milliseconds.</summary>
    public long Size { get; }

    /// <summary>Distance between consecutive window starts, in event-time milliseconds.</summary>
    public long Slide { get; }

    public bool IsTumbling => Size == Slide && !IsSession;

    /// <summary>True for session windows: <see cref="Size"/> is then the gap that closes a session.</summary>
    public bool IsSession { get; private init; }

    /// <summary>Session windows: a key's session ends once no record of it comes within <paramref name="gap"/> of its last one.</summary>
    public static WindowSpec Session(TimeSpan gap) => new((long)gap.TotalMilliseconds, (long)gap.TotalMilliseconds) { IsSession = true };

    /// <summary>Tumbling windows of the given length.</summary>
    public static WindowSpec Tumbling(TimeSpan size) => new((long)size.TotalMilliseconds, (long)size.TotalMilliseconds);

    /// <summary>Sliding (hopping) windows.</summary>
    public static WindowSpec Sliding(TimeSpan size, TimeSpan slide) => new((long)size.TotalMilliseconds, (long)slide.TotalMilliseconds);

    /// <summary>Why this spec is unusable, or null if it is fine.</summary>
    public string? Problem =>
        IsSession && Size <= 0 ? $"session gap must be positive (was {Size} ms)"
        : Size <= 0 ? $"window size must be positive (was {Size} ms)"
        : Slide <= 0 ? $"window slide must be positive (was {Slide} ms)"
        : Slide > Size ? $"window slide ({Slide} ms) must not exceed its size ({Size} ms)"
        : null;

    /// <summary>Start of the last window that contains <paramref name="t"/>.</summary>
    public long LastStart(long t) => FloorDiv(t, Slide) * Slide;

    /// <summary>Start of the first (earliest-ending) window that contains <paramref name="t"/>.</summary>
    public long FirstStart(long t) => FloorDiv(t - Size, Slide) * Slide + Slide;

    /// <summary>
    /// End (exclusive) of the earliest-ending window that contains <paramref name="t"/>: the watermark
    /// that releases its first output. For a session, the earliest its session can end: <c>t + gap</c>
    /// (the gap after <paramref name="t"/> passing without another record of the key).
    /// </summary>
    public long FirstEnd(long t) => IsSession ? t + Size : FirstStart(t) + Size;

    /// <summary>
    /// A record stamped <paramref name="t"/> is late once every window holding it has closed, that is
    /// once the watermark has reached the end of the last window containing it.
    /// </summary>
    public bool IsLate(long t, long watermark) => watermark != Watermark.None && LastStart(t) + Size <= watermark;

    /// <summary>
    /// Starts of the windows holding <paramref name="t"/> that are still open at
    /// <paramref name="watermark"/>, latest first (allocation-free).
    /// </summary>
    public OpenWindows OpenStarts(long t, long watermark) => new(this, t, watermark);

    /// <summary>Enumerates <see cref="OpenStarts"/>: later windows close later, so it stops at the first closed one.</summary>
    public struct OpenWindows(WindowSpec spec, long t, long watermark)
    {
        private long _next = spec.LastStart(t);
        private bool _started;

        public readonly OpenWindows GetEnumerator() => this;

        public long Current { get; private set; }

        public bool MoveNext()
        {
            long start = _started ? _next - spec.Slide : _next;
            _started = true;
            _next = start;
            if (start <= t - spec.Size) return false;
            if (watermark != Watermark.None && start + spec.Size <= watermark) return false;
            Current = start;
            return true;
        }
    }

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
