using System.Diagnostics;

namespace Cameo.Scheduling.Core;

/// <summary>
/// Decides, after each message, whether an instance keeps its worker (its turn) or yields: it keeps
/// running while its most urgent message is at least as urgent as anything waiting, for at most a
/// quantum. Every runtime applies this one rule; they differ only in its two parameters.
/// </summary>
/// <remarks>
/// <para><b>Ties keep the turn.</b> A waiting item of equal rank does not take the worker: it
/// entered the ready queue after the running instance took its turn, and handing over costs a
/// switch for no gain in urgency.</para>
/// <para><b>Rank slack.</b> A runtime whose hand-over is expensive (the Orleans runtime grants a turn
/// through thread-pool work items) may treat ranks within <see cref="RankSlack"/> of each other as
/// equal. The embedded runtime uses no slack: it yields as soon as anything strictly more urgent
/// waits.</para>
/// <para><b>Quantum.</b> However urgent, an instance yields once it has held the worker for
/// <see cref="Quantum"/>, so instances of equal urgency share the workers. Messages are never
/// interrupted: the rule is asked between messages.</para>
/// </remarks>
public readonly record struct TurnRule
{
    /// <param name="quantum">Longest an instance keeps its turn.</param>
    /// <param name="rankSlack">Rank difference a waiting item must exceed to take the turn; zero for strict urgency.</param>
    public TurnRule(TimeSpan quantum, long rankSlack = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rankSlack);
        Quantum = (long)(quantum.TotalSeconds * Stopwatch.Frequency);
        RankSlack = rankSlack;
    }

    /// <summary>Longest an instance keeps its turn, in <see cref="Stopwatch"/> ticks.</summary>
    public long Quantum { get; }

    /// <summary>By how much (rank units) a waiting item must be more urgent to take the turn.</summary>
    public long RankSlack { get; }

    /// <summary>
    /// Whether a waiting item at <paramref name="headRank"/> beats the running instance's best
    /// message at <paramref name="best"/>: strictly more urgent, by more than the slack.
    /// </summary>
    public bool IsOutranked(long best, long headRank) =>
        headRank < best && (ulong)(best - headRank) > (ulong)RankSlack; // unsigned: the difference of two longs, exact when positive

    /// <summary>
    /// Whether the instance runs its next message (best rank <paramref name="best"/>) now, with
    /// <paramref name="headRank"/> the most urgent waiting rank (<see cref="ReadyQueue{T}.HeadRank"/>)
    /// and the turn started at <paramref name="turnStart"/> (<see cref="Stopwatch"/> timestamps).
    /// </summary>
    public bool KeepsTurn(long best, long headRank, long turnStart, long now) =>
        !IsOutranked(best, headRank) && now - turnStart < Quantum;
}
