using Cameo.Operators;

namespace Cameo.Tests.Support;

/// <summary>An operator output that keeps what was emitted, with its event time and the input step that caused it.</summary>
internal sealed class Collect<T> : IOutput<T>
{
    public List<(T Item, long Time, int Step)> Items { get; } = [];

    /// <summary>The input step being driven (set by the test before each call into the operator).</summary>
    public int Step { get; set; }

    public void Emit(T item, long timestamp) => Items.Add((item, timestamp, Step));
}
