using Cameo.Scheduling.Core;

namespace Cameo.Tests.Scheduling.Core;

/// <summary>A ready-queue item with nothing but a name and a version.</summary>
internal sealed class TestItem(string name) : IReadyItem
{
    public long Version;

    public long ReadyVersion => Version;

    public override string ToString() => name;

    public static TestItem[] Many(int count) => [.. Enumerable.Range(0, count).Select(i => new TestItem($"item{i}"))];
}
