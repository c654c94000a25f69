using BenchmarkDotNet.Attributes;
using Cameo.Messages;
using Cameo.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Benchmarks;

/// <summary>
/// Per-message cost of an actor's priority mailbox: rank a message by the policy, enqueue it on its
/// channel, and later dequeue it as the most urgent. A batch of messages is enqueued, then drained,
/// so the mailbox holds up to <see cref="Backlog"/> messages.
/// </summary>
[MemoryDiagnoser]
public class MailboxBenchmarks
{
    /// <summary>Messages enqueued and dequeued per invocation.</summary>
    public const int Backlog = 1024;

    [Params("fifo", "edf", "llf", "sjf", "cameo")]
    public string Policy { get; set; } = "cameo";

    [Params(1, 4, 16)]
    public int Channels { get; set; }

    private ISchedulingPolicy _policy = null!;
    private Message[] _messages = null!;
    private PriorityMailbox _mailbox = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = SchedulingPolicies.Parse(Policy);
        _messages = SchedulerFixtures.Messages(SchedulerFixtures.Contexts(Backlog), Channels);
        _mailbox = new PriorityMailbox(Channels);
    }

    [Benchmark(OperationsPerInvoke = Backlog)]
    public int EnqueueDequeue()
    {
        var messages = _messages;
        for (int i = 0; i < messages.Length; i++)
            _mailbox.Enqueue(messages[i], _policy.Rank(messages[i].Context, SchedulerFixtures.Now + i), i);
        int channels = 0;
        for (int i = 0; i < messages.Length; i++) channels += _mailbox.Dequeue().Channel;
        return channels;
    }
}
