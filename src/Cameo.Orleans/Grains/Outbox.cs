using System.Diagnostics;
using Cameo.Messages;
using Cameo.Orleans.Wire;
using Cameo.Scheduling.Core;

namespace Cameo.Orleans.Grains;

/// <summary>
/// The sending side of delivery between instance grains. <c>Push</c> and <c>Ack</c> are one-way
/// calls, so a message or an acknowledgement may be lost without anyone being told; the outbox makes
/// every loss either repaired or reported:
/// <list type="bullet">
/// <item>It numbers each envelope per receiver (<see cref="Send"/>; the receiver's
/// <see cref="ChannelSequencer"/> restores the order and drops what arrives twice) and keeps it until
/// the receiver reports it arrived. Only messages that hold one of the instance's <see cref="Credits"/>
/// are kept, so <see cref="Cameo.Orleans.Deployment.QuerySpec.MaxInFlightMessages"/> bounds it.</item>
/// <item>Acknowledgements carry cumulative counts (<see cref="DeliveryProgress"/>): a lost one is
/// repaired by the next, and credits never leak.</item>
/// <item>A receiver that has made no progress on this instance's messages for a while is asked where
/// it stands (<see cref="Overdue"/>); its answer acknowledges, and whatever it has not received of
/// what was sent before the question is sent again (<see cref="Unaccepted"/>).</item>
/// <item>A receiver that makes no progress for the silo's progress timeout, answering or not, is
/// reported (<see cref="Stalled"/>) and the query fails naming it.</item>
/// </list>
/// Messages an instance sends itself (the rest of a sliced window firing) are numbered but neither
/// kept nor credited: they never leave the activation, and a pump waiting for credits that only its
/// own mailbox could return would wait forever.
/// Thread-safe: a source sends from the thread pool while acknowledgements arrive on the grain.
/// </summary>
/// <param name="self">The sending instance's index.</param>
/// <param name="receivers">The query's instances (any may be a receiver, by index).</param>
/// <param name="capacity">Most unacknowledged messages before the instance stops sending (see <see cref="Credits"/>).</param>
/// <param name="epoch">The incarnation of the query the envelopes belong to (see <see cref="Envelope.Epoch"/>).</param>
internal sealed class Outbox(int self, int receivers, int capacity, int epoch = 0)
{
    /// <summary>What one receiver has of this instance's messages.</summary>
    private sealed class Link
    {
        public readonly Queue<Envelope> Unaccepted = new();
        public long Next;          // the number of the next envelope
        public long Processed;     // the receiver processed so many
        public long ProgressAt;    // when Processed last advanced, or the first message went out since it caught up (Stopwatch ticks)
        public long AnsweredAt = -1; // when the receiver last acknowledged or answered, or -1
        public bool Asking;        // a progress query is on its way
        public int Resent;
    }

    private readonly Link?[] _links = new Link?[receivers];
    private readonly Lock _lock = new();

    /// <summary>
    /// This instance's credits for the messages it sends: at most <c>capacity</c> may be unacknowledged
    /// before its source stops reading or its pump stops taking turns (one-way calls bypass Orleans' backpressure).
    /// </summary>
    public CreditGate Credits { get; } = new(capacity);

    /// <summary>Envelopes sent and not known to have arrived, over every receiver.</summary>
    public int Unarrived
    {
        get
        {
            lock (_lock) return _links.Sum(l => l?.Unaccepted.Count ?? 0);
        }
    }

    /// <summary>Envelopes sent again.</summary>
    public int Resent
    {
        get
        {
            lock (_lock) return _links.Sum(l => l?.Resent ?? 0);
        }
    }

    /// <summary>Numbers <paramref name="message"/> for <paramref name="receiver"/>, keeps it until it arrives, and takes a credit.</summary>
    public Envelope Send(int receiver, Message message, long sentAt)
    {
        lock (_lock)
        {
            var link = _links[receiver] ??= new Link();
            if (receiver == self) return new Envelope(message, link.Next++, sentAt, epoch);
            if (link.Processed == link.Next) link.ProgressAt = Stopwatch.GetTimestamp(); // the receiver's clock starts with its first outstanding message
            var envelope = new Envelope(message, link.Next++, sentAt, epoch);
            link.Unaccepted.Enqueue(envelope);
            Credits.Add();
            return envelope;
        }
    }

    /// <summary>
    /// Applies <paramref name="receiver"/>'s acknowledgement (or its answer to a progress query): forgets
    /// what arrived, gives back a credit per newly processed message.
    /// </summary>
    /// <returns>True if the receiver processed more than it had reported: its reply context is newer.</returns>
    public bool Acknowledged(int receiver, in DeliveryProgress progress)
    {
        int credits;
        lock (_lock)
        {
            if (receiver == self || _links[receiver] is not { } link) return false;
            long now = Stopwatch.GetTimestamp();
            link.AnsweredAt = now;
            while (link.Unaccepted.TryPeek(out var first) && first.Sequence < progress.Accepted) link.Unaccepted.Dequeue();
            credits = (int)Math.Max(0, progress.Processed - link.Processed);
            if (credits > 0)
            {
                link.Processed = progress.Processed;
                link.ProgressAt = now;
            }
            else if (progress.Blocked) link.ProgressAt = now; // it waits for its own receivers, whose senders watch them
        }
        for (int i = 0; i < credits; i++) Credits.Done();
        return credits > 0;
    }

    /// <summary>
    /// Receivers with messages outstanding that have made no progress on them for <paramref name="after"/>
    /// ticks and are not being asked already: each is now being asked (until <see cref="Asked"/>), and
    /// its entry holds the number of the next envelope, so that what was sent before the question and
    /// has not arrived by the answer is sent again.
    /// </summary>
    public List<(int Receiver, long SentBefore)>? Overdue(long now, long after)
    {
        List<(int, long)>? overdue = null;
        lock (_lock)
            for (int r = 0; r < _links.Length; r++)
                if (r != self && _links[r] is { Asking: false } link && link.Processed < link.Next && now - link.ProgressAt >= after)
                {
                    link.Asking = true;
                    (overdue ??= []).Add((r, link.Next));
                }
        return overdue;
    }

    /// <summary>The progress query to <paramref name="receiver"/> is answered (or gave up).</summary>
    public void Asked(int receiver)
    {
        lock (_lock) _links[receiver]!.Asking = false;
    }

    /// <summary>The envelopes for <paramref name="receiver"/> numbered below <paramref name="sentBefore"/> that have not arrived, counted as resent.</summary>
    public Envelope[] Unaccepted(int receiver, long sentBefore)
    {
        lock (_lock)
        {
            var link = _links[receiver]!;
            var lost = link.Unaccepted.TakeWhile(e => e.Sequence < sentBefore).ToArray();
            link.Resent += lost.Length;
            return lost;
        }
    }

    /// <summary>
    /// This instance's watchdog ran <paramref name="ticks"/> late: the process was frozen (a long
    /// garbage collection, a suspended virtual machine or process), and its receivers could make no
    /// progress either. Their progress clocks move on by as much, so a freeze is not taken for a stall.
    /// </summary>
    public void Froze(long ticks)
    {
        lock (_lock)
            foreach (var link in _links)
                if (link is not null) link.ProgressAt += ticks;
    }

    /// <summary>
    /// The receiver that has made no progress on this instance's messages for <paramref name="timeout"/>
    /// ticks, the longest, and why in a few words; null if none. A receiver that answered within
    /// <paramref name="recent"/> ticks is said to answer.
    /// </summary>
    public (int Receiver, string Why)? Stalled(long now, long timeout, long recent)
    {
        lock (_lock)
        {
            int worst = -1;
            for (int r = 0; r < _links.Length; r++)
                if (r != self && _links[r] is { } link && link.Processed < link.Next && now - link.ProgressAt >= timeout
                    && (worst < 0 || link.ProgressAt < _links[worst]!.ProgressAt))
                    worst = r;
            if (worst < 0) return null;
            var l = _links[worst]!;
            double silent = Stopwatch.GetElapsedTime(l.ProgressAt, now).TotalSeconds;
            string answered = l.AnsweredAt < 0 ? "it never answered"
                : now - l.AnsweredAt <= recent ? $"it answers (last {Stopwatch.GetElapsedTime(l.AnsweredAt, now).TotalSeconds:0.0} s ago) but processes none of them"
                : $"it has not answered for {Stopwatch.GetElapsedTime(l.AnsweredAt, now).TotalSeconds:0.0} s";
            return (worst, $"{l.Next - l.Processed} messages unprocessed for {silent:0.0} s ({l.Unaccepted.Count} of them not arrived, resent {l.Resent} in all): {answered}");
        }
    }
}
