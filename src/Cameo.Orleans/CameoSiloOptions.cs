using System.Collections.Concurrent;
using Cameo.Checkpoints;
using Cameo.Orleans.Scheduling;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;
using Microsoft.Extensions.Configuration;

namespace Cameo.Orleans;

/// <summary>How a silo schedules Cameo's operator instances.</summary>
public sealed class CameoSiloOptions
{
    /// <summary>
    /// Which message runs first. Null: <c>orleans-default</c>, plain Orleans order (each grain
    /// processes its batches as Orleans delivers them, no turn scheduler): the paper's baseline.
    /// </summary>
    /// <remarks>Configuration sets it by name, with the key <c>Policy</c> (see <see cref="PolicyName"/>).</remarks>
    [ConfigurationKeyName("PolicyInstance")]
    public ISchedulingPolicy? Policy { get; set; } = SchedulingPolicies.Cameo;

    /// <summary>Turns of the silo's <see cref="TurnScheduler"/>: grains processing at once. Default: one per core.</summary>
    public int Turns { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// A scheduler shared with other silos on the same cores (an in-process cluster), or null for
    /// one of this silo's own with <see cref="Turns"/> turns. Silos of one process that each took a
    /// turn per core would run twice as many CPU-bound turns as there are cores, and the OS would
    /// time-slice them regardless of deadlines.
    /// </summary>
    public TurnScheduler? SharedScheduler { get; set; }

    /// <summary>
    /// Longest a grain keeps its turn while no clearly more urgent message waits in the silo (the
    /// embedded runtime's default too). Handing a turn over costs two thread-pool hops, so a short
    /// quantum with bulk messages of about a millisecond loses much of the silo's capacity.
    /// </summary>
    public TimeSpan Quantum { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Extra turns for short messages that are clearly more urgent than everything the turn holders
    /// are processing (see <see cref="TurnScheduler.Request"/>). Zero: urgent messages wait for a
    /// holder to finish its current message.
    /// </summary>
    public int UrgentTurns { get; set; } = 1;

    /// <summary>
    /// Expected processing time per message below which a clearly more urgent grain may always take
    /// an urgent turn; a longer one may if it is at most half as long as every holder's messages.
    /// </summary>
    public TimeSpan UrgentCost { get; set; } = TimeSpan.FromMilliseconds(0.2);

    /// <summary>
    /// The turn rule of these options: a grain keeps its turn for up to <see cref="Quantum"/>, and
    /// yields only to a message more urgent by more than a quantum's worth of rank (physical ticks):
    /// handing a turn over costs two thread-pool hops, which is not worth a sub-quantum gain in
    /// deadline order (and grains of one bulk query would otherwise hand the turn back and forth
    /// after every message).
    /// </summary>
    public TurnRule Rule => new(Quantum, rankSlack: Quantum.Ticks);

    /// <summary>The scheduler these options describe (one per silo, or one shared by the silos of a process).</summary>
    public TurnScheduler CreateScheduler() => new(Turns, UrgentTurns, Rule, urgentCost: UrgentCost.Ticks);

    /// <summary>
    /// For silos of one process, which share its cores: a step for each silo's options that sets
    /// <see cref="SharedScheduler"/> (unless already set) to one scheduler, created from the first
    /// options that schedule by a policy. Each silo taking a turn per core would run more CPU-bound
    /// turns than there are cores, and the OS would time-slice them regardless of deadlines.
    /// </summary>
    public static Action<CameoSiloOptions> ShareScheduler()
    {
        var gate = new object();
        TurnScheduler? shared = null;
        return o =>
        {
            if (o.Policy is not null) lock (gate) o.SharedScheduler ??= shared ??= o.CreateScheduler();
        };
    }

    /// <summary>Called as each message starts processing (tracing, and tests of processing order). Must be cheap and thread-safe.</summary>
    public Action<ProcessedMessage>? OnProcessed { get; set; }

    /// <summary>
    /// How long a sending instance waits for a receiver to process one more of its messages before it
    /// asks the receiver where it stands and sends again whatever did not arrive (<c>Push</c> and
    /// <c>Ack</c> are one-way calls, which Orleans may lose). Default 1 s.
    /// </summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a receiver may make no progress on a sender's messages (process none of them, or
    /// answer nothing), resends included, before the query fails with an error naming both instances.
    /// A receiver waiting for credits from its own receivers is not counted as stalled. Default 30 s.
    /// </summary>
    public TimeSpan ProgressTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fault injection for tests: called before each call between instance grains; returning true
    /// loses the call, as a failed network would (calls of an instance to itself never leave its
    /// activation and are not offered). Null (the default): nothing is dropped.
    /// </summary>
    public Func<InstanceCall, bool>? DropCall { get; set; }

    /// <summary>
    /// The policy's name: <c>orleans-default</c> when <see cref="Policy"/> is null. Setting it sets
    /// <see cref="Policy"/> (<see cref="ParsePolicy"/>); configuration binds it from the key <c>Policy</c>.
    /// </summary>
    [ConfigurationKeyName("Policy")]
    public string PolicyName
    {
        get => Policy?.Name ?? OrleansDefault;
        set => Policy = ParsePolicy(value);
    }

    /// <summary>
    /// Raises the process's thread-pool minimum (a process-wide setting) to turns + extra turns + 4
    /// per core when a silo with a policy starts: Orleans delivers messages on the thread pool, and
    /// with every core held by a turn, delivery to an urgent grain would otherwise wait for the pool
    /// to inject a thread. Off by default, since the host owns its thread pool; <c>cameo silo</c> and
    /// the benchmarks turn it on.
    /// </summary>
    public bool RaiseThreadPoolMinimum { get; set; }

    /// <summary>
    /// Consistent checkpoints for the queries whose coordinators run on this silo (give every silo of
    /// a cluster the same): a shared <see cref="CheckpointOptions.Store"/> (Redis for silos in several
    /// processes), the interval, the serializer of operator state. A checkpointed query whose silo
    /// dies is rolled back to its last completed checkpoint on the surviving silos instead of failing.
    /// Null (the default): no checkpoints, and a dead silo fails its queries.
    /// </summary>
    public CheckpointOptions? Checkpoints { get; set; }

    /// <summary>
    /// Longest a checkpointed query tries to roll back onto the surviving silos after losing an
    /// instance (Orleans may need its membership to declare the dead silo before grains can move)
    /// before it fails. Default 60 s.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What keeps these options from running a silo, one sentence each; empty if nothing does.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Turns < 1) problems.Add($"{nameof(Turns)} must be at least 1 (was {Turns}).");
        if (UrgentTurns < 0) problems.Add($"{nameof(UrgentTurns)} must not be negative (was {UrgentTurns}).");
        if (Quantum <= TimeSpan.Zero) problems.Add($"{nameof(Quantum)} must be positive (was {Quantum}).");
        if (UrgentCost < TimeSpan.Zero) problems.Add($"{nameof(UrgentCost)} must not be negative (was {UrgentCost}).");
        if (ResendAfter <= TimeSpan.Zero) problems.Add($"{nameof(ResendAfter)} must be positive (was {ResendAfter}).");
        if (RecoveryTimeout <= TimeSpan.Zero) problems.Add($"{nameof(RecoveryTimeout)} must be positive (was {RecoveryTimeout}).");
        if (ProgressTimeout <= ResendAfter) problems.Add($"{nameof(ProgressTimeout)} must be longer than {nameof(ResendAfter)} (was {ProgressTimeout}, {nameof(ResendAfter)} {ResendAfter}).");
        return problems;
    }

    public const string OrleansDefault = "orleans-default";

    /// <summary>Parses a policy name, accepting <c>orleans-default</c> (null policy) besides <see cref="SchedulingPolicies"/>.</summary>
    public static ISchedulingPolicy? ParsePolicy(string name) =>
        string.Equals(name, OrleansDefault, StringComparison.OrdinalIgnoreCase) ? null : SchedulingPolicies.Parse(name);
}

/// <summary>One message as a silo started processing it.</summary>
/// <param name="Silo">The silo's identity.</param>
/// <param name="Query">The query's name.</param>
/// <param name="Instance">The instance's index in its query.</param>
/// <param name="Rank">The message's rank under the silo's policy.</param>
/// <param name="Enqueued">When it reached the grain, on <see cref="ProcessingClock"/>.</param>
/// <param name="Started">When it started processing, on <see cref="ProcessingClock"/>.</param>
public readonly record struct ProcessedMessage(string Silo, string Query, int Instance, long Rank, long Enqueued, long Started);

/// <summary>Which call between instance grains an <see cref="InstanceCall"/> is.</summary>
public enum InstanceCallKind
{
    /// <summary>A message (<c>Push</c>, <c>PushInOrder</c>), sent or sent again.</summary>
    Push,

    /// <summary>An acknowledgement from the receiver back to the sender.</summary>
    Ack,

    /// <summary>A sender asking a receiver where it stands with its messages.</summary>
    Progress,
}

/// <summary>A call between two instance grains of one query (see <see cref="CameoSiloOptions.DropCall"/>).</summary>
/// <param name="Kind">The call.</param>
/// <param name="Query">The query's name.</param>
/// <param name="From">The calling instance's index in its query.</param>
/// <param name="To">The called instance's index.</param>
/// <param name="Sequence">A message's number on its channel (<see cref="InstanceCallKind.Push"/>), otherwise -1.</param>
public readonly record struct InstanceCall(InstanceCallKind Kind, string Query, int From, int To, long Sequence);

/// <summary>A process-wide counter that orders enqueue and processing events of every silo in the process.</summary>
public static class ProcessingClock
{
    private static long _now;

    public static long Next() => Interlocked.Increment(ref _now);
}

/// <summary>What every instance grain of a silo shares: its options and, unless plain Orleans order is used, its turn scheduler.</summary>
public sealed class CameoSilo
{
    /// <param name="options">The silo's options.</param>
    /// <param name="stopping">Cancelled when the silo's host stops (<c>IHostApplicationLifetime.ApplicationStopping</c>), if it has one.</param>
    public CameoSilo(CameoSiloOptions options, CancellationToken stopping = default)
    {
        Options = options;
        Stopping = stopping;
        Scheduler = options.Policy is null ? null : options.SharedScheduler ?? options.CreateScheduler();
        if (options.RaiseThreadPoolMinimum) ConfigureThreadPool(options);
    }

    /// <summary>The thread pool's minimum threads as .NET set them, before any silo changed them.</summary>
    private static readonly (int Workers, int Io) PoolDefaults = MinThreads();

    /// <summary>
    /// When asked (<see cref="CameoSiloOptions.RaiseThreadPoolMinimum"/>): Orleans runs grain turns
    /// and its own message delivery on the .NET thread pool. The turn scheduler keeps CPU-bound turns
    /// to one per core; without spare pool threads, messages for an urgent grain would wait behind
    /// those turns for the pool to inject a thread. Spare threads for delivery add no CPU-bound
    /// concurrency, since turns stay capped. Under <c>orleans-default</c> the pool is left as .NET
    /// sizes it: that is unmodified Orleans (the setting is process-wide, so it is put back in case a
    /// Cameo silo ran in this process before).
    /// </summary>
    private static void ConfigureThreadPool(CameoSiloOptions options)
    {
        var (workers, io) = MinThreads();
        int wanted = options.Policy is null ? PoolDefaults.Workers : options.Turns + options.UrgentTurns + 4 * Environment.ProcessorCount;
        if (workers != wanted) ThreadPool.SetMinThreads(wanted, io);
    }

    private static (int Workers, int Io) MinThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        return (workers, io);
    }

    public CameoSiloOptions Options { get; }

    /// <summary>
    /// Cancelled when the silo stops: its source grains stop reading at once (their reads run on the
    /// thread pool, which a silo stopped inside a process that lives on would not stop), so that a
    /// rolled-back query's new incarnation is the only reader of its sources.
    /// </summary>
    public CancellationToken Stopping { get; }

    /// <summary>Null under <c>orleans-default</c>.</summary>
    public TurnScheduler? Scheduler { get; }

    /// <summary>The priority mailboxes of this silo's active instance grains, by the cluster key of their query.</summary>
    private readonly ConcurrentDictionary<Grains.InstancePump, string> _pumps = new();

    /// <summary>An instance grain of query <paramref name="queryKey"/> started pumping on this silo.</summary>
    internal void Track(Grains.InstancePump pump, string queryKey) => _pumps[pump] = queryKey;

    /// <summary>The instance grain of <paramref name="pump"/> retired or deactivated.</summary>
    internal void Untrack(Grains.InstancePump pump) => _pumps.TryRemove(pump, out _);

    /// <summary>
    /// Messages waiting in the mailboxes of the query's instances on this silo (read without their
    /// grains' turns: a gauge, not an invariant); null under <c>orleans-default</c>, where messages
    /// wait in Orleans' own queues.
    /// </summary>
    public int? QueuedMessages(string queryKey)
    {
        if (Scheduler is null) return null;
        int queued = 0;
        foreach (var (pump, key) in _pumps) if (key == queryKey) queued += pump.Count;
        return queued;
    }
}
