using Cameo.Workloads.Bench;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cameo.Workloads.Tests;

/// <summary>The preemptive EDF simulator behind the ideal bound, on cases small enough to compute by hand or by brute force.</summary>
public class EdfReplayTests
{
    [Fact]
    public void On_one_worker_an_urgent_job_preempts_a_running_one()
    {
        var replay = new EdfReplay();
        replay.Add(release: 0, cost: 10, rank: 100);
        replay.Add(release: 2, cost: 3, rank: 8);
        var (completion, busy) = replay.Run(1);
        Assert.Equal([13, 5], completion);
        Assert.Equal(13, busy);
    }

    [Fact]
    public void Two_workers_run_the_two_most_urgent_jobs_at_once()
    {
        var replay = new EdfReplay();
        replay.Add(0, 4, 3);
        replay.Add(0, 4, 1);
        replay.Add(0, 4, 2);
        Assert.Equal([8, 4, 4], replay.Run(2).Completion);
    }

    [Fact]
    public void A_job_waits_for_the_jobs_it_depends_on_however_urgent()
    {
        var replay = new EdfReplay();
        int records = replay.Add(0, 5, 10);
        int firing = replay.Add(1, 1, 0);
        int other = replay.Add(0, 2, 5);
        replay.After(records, firing);
        // other (rank 5) runs first, then the records (10); the firing can start only after them.
        var completion = replay.Run(1).Completion;
        Assert.Equal((7L, 8L, 2L), (completion[records], completion[firing], completion[other]));
    }

    [Fact]
    public void Busy_time_can_be_counted_within_a_window()
    {
        var replay = new EdfReplay();
        replay.Add(0, 10, 1);
        replay.Add(0, 10, 2);
        Assert.Equal(8, replay.Run(2, from: 6, to: 100).BusyTicks); // two workers busy from 6 to 10
    }

    [Fact]
    public void An_idle_gap_is_skipped()
    {
        var replay = new EdfReplay();
        replay.Add(0, 1, 1);
        replay.Add(100, 1, 1);
        Assert.Equal([1, 101], replay.Run(1).Completion);
    }

    private sealed record Job(long Release, long Cost, long Deadline);

    private static readonly Gen<Job[]> Jobs =
        from n in Gen.Choose(1, 6)
        from jobs in Gen.ArrayOf(from r in Gen.Choose(0, 20) from c in Gen.Choose(1, 8) from d in Gen.Choose(1, 40) select new Job(r, c, r + d), n)
        select jobs;

    /// <summary>The largest lateness of running the jobs one after another in <paramref name="order"/>, each as soon as it and the worker are free.</summary>
    private static long NonPreemptiveLateness(IEnumerable<Job> order)
    {
        long now = 0, worst = long.MinValue;
        foreach (var job in order)
        {
            now = Math.Max(now, job.Release) + job.Cost;
            worst = Math.Max(worst, now - job.Deadline);
        }
        return worst;
    }

    private static IEnumerable<Job[]> Permutations(Job[] jobs) =>
        jobs.Length <= 1 ? [jobs] : jobs.SelectMany((j, i) => Permutations([.. jobs.Take(i), .. jobs.Skip(i + 1)]).Select(rest => (Job[])[j, .. rest]));

    [Property(MaxTest = 300)]
    public Property On_one_worker_no_non_preemptive_schedule_has_a_smaller_largest_lateness() =>
        Prop.ForAll(Jobs.ToArbitrary(), jobs =>
        {
            var replay = new EdfReplay();
            foreach (var j in jobs) replay.Add(j.Release, j.Cost, j.Deadline);
            var completion = replay.Run(1).Completion;
            long ideal = jobs.Select((j, i) => completion[i] - j.Deadline).Max();
            return ideal <= Permutations(jobs).Min(NonPreemptiveLateness);
        });

    [Property(MaxTest = 300)]
    public Property Every_job_gets_exactly_its_cost_after_its_release_and_workers_are_never_idle_while_work_waits() =>
        Prop.ForAll(Jobs.ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), (jobs, workers) =>
        {
            var replay = new EdfReplay();
            foreach (var j in jobs) replay.Add(j.Release, j.Cost, j.Deadline);
            var (completion, busy) = replay.Run(workers);
            bool causal = jobs.Select((j, i) => completion[i] >= j.Release + j.Cost).All(x => x);
            // Work-conserving: the last completion is no later than a greedy list schedule's bound.
            long makespanBound = jobs.Max(j => j.Release) + jobs.Sum(j => j.Cost);
            return causal && busy == jobs.Sum(j => j.Cost) && completion.Max() <= makespanBound;
        });
}
