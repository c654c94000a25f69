using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Cameo.Benchmarks;

/// <summary>
/// Samples what the process allocates, by type, from the runtime's allocation ticks (one event per
/// ~100 KB allocated): the quickest way to find what still allocates on a hot path.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _samples = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!e.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        int i = e.PayloadNames.IndexOf("TypeName");
        if (i >= 0 && e.Payload![i] is string type) _samples.AddOrUpdate(type, 1, (_, n) => n + 1);
    }

    /// <summary>The types sampled most often (each sample stands for about 100 KB).</summary>
    public IEnumerable<(string Type, long Samples)> Top(int count) =>
        _samples.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));
}
