using Cameo.Execution;
using Cameo.Scheduling.Core;

namespace Cameo.Runtime;

/// <summary>
/// An instance host as the in-process runtimes schedule it: its mailbox, and whether it is idle,
/// waiting in the ready queue, or running on a worker. Never runs on two workers at once.
/// </summary>
internal sealed class Actor(InstanceHost host, QueryRun query) : IReadyItem
{
    public enum State { Idle, Queued, Running }

    public readonly object Lock = new();
    public readonly InstanceHost Host = host;
    public readonly QueryRun Query = query;
    public readonly PriorityMailbox Mailbox = new(host.ChannelCount);

    /// <summary>Guarded by <see cref="Lock"/>.</summary>
    public State Status;

    /// <summary>Bumped each time the actor is put in the ready queue, so older entries can be recognised as stale.</summary>
    public long Version;

    /// <summary>The rank the actor was last queued with.</summary>
    public long QueuedRank;

    /// <summary>
    /// When the actor's previous message ended (written by the worker running it). A message waits
    /// for a worker only from then on: before, its own single-threaded instance was busy, and no
    /// worker could have run it, so that time is queueing, not priority inversion.
    /// </summary>
    public long LastFinished;

    long IReadyItem.ReadyVersion => Volatile.Read(ref Version);

    public override string ToString() => $"{Query.Context.Name}/{Host.Node.Name}[{Host.Partition}]";
}
