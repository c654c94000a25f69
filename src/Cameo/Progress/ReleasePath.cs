using Cameo.Time;

namespace Cameo.Progress;

/// <summary>
/// The windows a record passes through on one path from an operator to a sink, in order.
/// </summary>
/// <remarks>
/// This is how Cameo turns query semantics into deadlines. A record stamped <c>t</c> heading into a
/// 10 s tumbling window can contribute to an output only once the watermark passes that window's end;
/// if a 60 s window follows, only once the watermark passes the end of the 60 s window holding the
/// first window's result. <see cref="Release"/> folds the path to that event time. A path with no
/// window releases at once: its frontier is the record's own arrival.
/// </remarks>
public sealed class ReleasePath
{
    private readonly WindowSpec[] _windows;

    public ReleasePath(IReadOnlyList<WindowSpec> windows) => _windows = [.. windows];

    /// <summary>A path through no window.</summary>
    public static ReleasePath Immediate { get; } = new([]);

    public bool IsImmediate => _windows.Length == 0;

    public IReadOnlyList<WindowSpec> Windows => _windows;

    /// <summary>The event time the watermark must reach before an output fed by a record stamped <paramref name="t"/> is released.</summary>
    public long Release(long t)
    {
        long release = t;
        foreach (var window in _windows)
        {
            release = window.FirstEnd(t);
            t = release - 1; // a window's result is stamped with the window's last millisecond
        }
        return release;
    }

    /// <summary>A path that first passes <paramref name="window"/>, then this path.</summary>
    public ReleasePath After(WindowSpec window) => new([window, .. _windows]);
}
