namespace Cameo.Workloads.Bench;

/// <summary>
/// Preemptive earliest-deadline-first on <c>W</c> identical workers, simulated: at every moment
/// the <c>W</c> ready jobs of smallest rank run (ties: the job added first), a job may move
/// between workers and be interrupted at any time. A job is ready once its release time has come
/// and every job it waits for has completed.
/// </summary>
/// <remarks>
/// Time advances from event to event (a release or a completion), so the cost of a replay grows
/// with the number of jobs, not with their length. On one worker this order minimizes the largest
/// lateness over every schedule of the same jobs, preemptive or not (Horn's theorem).
/// </remarks>
public sealed class EdfReplay
{
    private readonly List<long> _release = [];
    private readonly List<long> _cost = [];
    private readonly List<long> _rank = [];
    private readonly List<int> _waits = [];
    private readonly List<List<int>?> _dependents = [];

    /// <summary>Jobs added so far.</summary>
    public int Count => _release.Count;

    /// <summary>Adds a job; returns its id.</summary>
    /// <param name="release">When it may start, ticks.</param>
    /// <param name="cost">Processing time it needs, ticks.</param>
    /// <param name="rank">Its deadline (smaller runs first).</param>
    public int Add(long release, long cost, long rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        _release.Add(release);
        _cost.Add(cost);
        _rank.Add(rank);
        _waits.Add(0);
        _dependents.Add(null);
        return _release.Count - 1;
    }

    /// <summary>Job <paramref name="dependent"/> may not start before job <paramref name="job"/> has completed.</summary>
    public void After(int job, int dependent)
    {
        (_dependents[job] ??= []).Add(dependent);
        _waits[dependent]++;
    }

    /// <summary>
    /// Runs every job on <paramref name="workers"/> workers; returns each job's completion time,
    /// and the workers' busy time between <paramref name="from"/> and <paramref name="to"/> (all of it by default).
    /// </summary>
    public (long[] Completion, long BusyTicks) Run(int workers, long from = long.MinValue, long to = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        int n = Count;
        var completion = new long[n];
        var remaining = _cost.ToArray();
        var waits = _waits.ToArray();
        var released = new bool[n];
        var order = Enumerable.Range(0, n).OrderBy(i => _release[i]).ThenBy(i => i).ToArray();
        var ready = new PriorityQueue<int, (long Rank, int Id)>();
        var running = new List<int>(workers);
        long busy = 0, now = n == 0 ? 0 : _release[order[0]];
        int next = 0, done = 0;
        while (done < n)
        {
            while (next < n && _release[order[next]] <= now)
            {
                int id = order[next++];
                released[id] = true;
                if (waits[id] == 0) ready.Enqueue(id, (_rank[id], id));
            }
            if (ready.Count == 0)
            {
                if (next == n) throw new InvalidOperationException("Some jobs wait for each other in a cycle.");
                now = _release[order[next]];
                continue;
            }
            running.Clear();
            while (running.Count < workers && ready.TryDequeue(out int id, out _)) running.Add(id);
            long until = next < n ? _release[order[next]] : long.MaxValue;
            foreach (int id in running) until = Math.Min(until, now + remaining[id]);
            long step = until - now;
            busy += running.Count * Math.Max(0, Math.Min(until, to) - Math.Max(now, from));
            foreach (int id in running)
            {
                remaining[id] -= step;
                if (remaining[id] > 0)
                {
                    ready.Enqueue(id, (_rank[id], id));
                    continue;
                }
                completion[id] = until;
                done++;
                foreach (int d in _dependents[id] ?? [])
                    if (--waits[d] == 0 && released[d]) ready.Enqueue(d, (_rank[d], d));
            }
            now = until;
        }
        return (completion, busy);
    }
}
