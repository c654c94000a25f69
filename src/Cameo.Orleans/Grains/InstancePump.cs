using System.Diagnostics;
using Cameo.Messages;
using Cameo.Orleans.Scheduling;
using Cameo.Scheduling.Core;

namespace Cameo.Orleans.Grains;

/// <summary>What an <see cref="InstancePump"/> drives: the instance grain it pumps for.</summary>
internal interface IPumpedInstance
{
    /// <summary>The query is over here (retired or failed): stop pumping.</summary>
    bool IsOver { get; }

    /// <summary>The instance's expected processing time per message, in ticks (for extra turns).</summary>
    long CostPerMessage { get; }

    /// <summary>Processes one message, ranked <paramref name="rank"/>.</summary>
    void Process(Message message, long rank);

    /// <summary>A turn ended: acknowledge what it processed.</summary>
    void TurnEnded();
}

/// <summary>
/// Cameo scheduling for one instance grain: its <see cref="PriorityMailbox"/>, and the loop that
/// processes it one turn of the silo's <see cref="TurnScheduler"/> at a time. The pump asks for a
/// turn at the rank of its best message, processes, and keeps the turn while the scheduler's
/// <see cref="TurnRule"/> says so (and while the instance has credits to send). It runs on the
/// grain's own scheduler, like the grain's methods: nothing here needs a lock.
/// </summary>
internal sealed class InstancePump(TurnScheduler scheduler, PriorityMailbox mailbox, CreditGate credits, IPumpedInstance instance)
{
    private TurnRequest? _waiting;
    private CoreYield _yield;
    private bool _pumping;
    private long _lastFinished; // when this instance's previous message ended: no worker could run the next one before

    /// <summary>Messages waiting.</summary>
    public int Count => mailbox.Count;

    /// <summary>Files <paramref name="message"/> at <paramref name="rank"/> and makes sure the pump runs (or waits for a turn at least that urgent).</summary>
    public void Enqueue(Message message, long rank)
    {
        mailbox.Enqueue(message, rank, Stopwatch.GetTimestamp());
        if (!_pumping)
        {
            _pumping = true;
            _ = PumpAsync();
        }
        else if (_waiting is { IsGranted: false } w && rank < w.Rank)
        {
            scheduler.Raise(w, rank);
        }
    }

    /// <summary>Drops every waiting message (the query is over).</summary>
    public void Clear()
    {
        while (mailbox.Count > 0) mailbox.Dequeue().Release();
    }

    /// <summary>A few words on the mailbox and the turn, for diagnostics.</summary>
    public string Describe()
    {
        string turn = _waiting is { IsGranted: false } w ? $"waiting for a turn at rank {w.Rank}" : _pumping ? "pumping" : "idle";
        return $"mailbox {mailbox.Count} (best rank {mailbox.BestRank}), {turn}; silo head rank {scheduler.HeadRank}, {scheduler.FreeTurns} of {scheduler.Turns} turns free";
    }

    /// <summary>Processes the mailbox, one turn at a time, for as long as it has messages.</summary>
    private async Task PumpAsync()
    {
        var rule = scheduler.Rule;
        var inversion = scheduler.Inversion;
        try
        {
            while (mailbox.Count > 0 && !instance.IsOver)
            {
                if (credits.IsFull)
                {
                    await credits.WaitAsync(CancellationToken.None);
                    continue;
                }
                var turn = _waiting = scheduler.Request(mailbox.BestRank, instance.CostPerMessage);
                await turn.Granted;
                _waiting = null;
                long started = Stopwatch.GetTimestamp();
                long now = started;
                try
                {
                    do
                    {
                        long served = mailbox.BestRank;
                        turn.Current = served;
                        var message = mailbox.Dequeue(out long rank, out long enqueuedAt);
                        inversion.Started(turn.Slot, rank, served, Math.Max(enqueuedAt, _lastFinished), now);
                        instance.Process(message, served);
                        now = _lastFinished = Stopwatch.GetTimestamp();
                        inversion.Finished(turn.Slot, now);
                        if (!turn.Urgent) _yield.AfterMessage();
                    }
                    while (mailbox.Count > 0 && !instance.IsOver && !credits.IsFull
                        && rule.KeepsTurn(mailbox.BestRank, scheduler.HeadRank, started, now));
                }
                finally
                {
                    scheduler.Release(turn);
                    instance.TurnEnded();
                }
            }
        }
        finally
        {
            _pumping = false;
        }
    }
}
