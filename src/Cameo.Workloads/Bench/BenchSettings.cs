namespace Cameo.Workloads.Bench;

/// <summary>How `cameo bench` measures a scenario.</summary>
/// <param name="Policies">Contenders, in the order each round runs them.</param>
/// <param name="Seconds">Measured time per run; null for the scenario's bench default (<see cref="SecondsFor"/>).</param>
/// <param name="WarmupSeconds">Run before each measurement (JIT, queues filling); then measurements are reset.</param>
/// <param name="Load">Offered load as a fraction of the calibrated capacity.</param>
/// <param name="Repeat">Rounds: each runs every policy once.</param>
/// <param name="Seed">Input seed shared by every run, so all policies see the same trace.</param>
/// <param name="Workers">Worker threads of the shared pool.</param>
/// <param name="CalibrationSeconds">How long calibration measures each query alone (after a warm-up of half that).</param>
/// <param name="Runtime">Where the contenders run; null for <see cref="BenchRuntime.Embedded"/>.</param>
/// <param name="CheckpointEvery">The checkpoint interval of the contenders with checkpoints on (<see cref="BenchPolicy.Checkpointed"/>); each of their runs checkpoints to a fresh directory.</param>
public sealed record BenchSettings(
    IReadOnlyList<BenchPolicy> Policies,
    double? Seconds,
    double WarmupSeconds,
    double Load,
    int Repeat,
    int Seed,
    int Workers,
    double CalibrationSeconds,
    BenchRuntime? Runtime = null,
    TimeSpan? CheckpointEvery = null)
{
    /// <summary>Where the contenders run.</summary>
    public BenchRuntime On => Runtime ?? BenchRuntime.Embedded;

    /// <summary>
    /// Measured seconds per run of a scenario without spikes. Short on purpose: the default
    /// `cameo bench multi-tenant` is 6 policies x 3 rounds = 18 runs and should take about a minute;
    /// LS queries emit hundreds to thousands of outputs in 2 s, enough for a p99, and the median of
    /// three short runs is steadier than one long run on a shared machine.
    /// </summary>
    public const double DefaultSeconds = 2;

    /// <summary>
    /// Measured seconds per run of single-tenant: its only query's results come from 5 s windows, so
    /// a run must see at least two of them close.
    /// </summary>
    public const double SingleTenantSeconds = 12;

    /// <summary>Seconds a spike scenario keeps measuring after its last spike ends, to show the recovery.</summary>
    public const double AfterLastSpikeSeconds = 3;

    /// <summary>Measured seconds per run of <paramref name="scenario"/>: the option, else long enough for its results (and spikes).</summary>
    public double SecondsFor(Workloads.Scenario scenario) =>
        Seconds ?? (scenario.Spikes.Count > 0 ? Math.Min(scenario.Spikes.Max(s => s.StartSecond + s.Seconds) + AfterLastSpikeSeconds, scenario.DefaultSeconds)
            : scenario.Name == "single-tenant" ? SingleTenantSeconds
            : scenario.Mix is not null || scenario.Shared is not null ? scenario.DefaultSeconds
            : DefaultSeconds);

    /// <summary>
    /// Highest offered load accepted. Above 1 is overload (more input than the machine processes);
    /// far beyond it a run measures only how fast queues grow, which the overload scenario covers.
    /// </summary>
    public const double MaxLoad = 2;

    /// <summary>The first problem with these settings, or null.</summary>
    public string? Problem() =>
        Policies.Count == 0 ? "--policies names no policy."
        : Seconds is <= 0 ? "--seconds must be positive."
        : WarmupSeconds < 0 ? "--warmup must not be negative."
        : Load is <= 0 or > MaxLoad ? $"--load must be above 0 and at most {MaxLoad:0.#} (a fraction of the calibrated capacity; above 1 is overload), not {Load}."
        : Repeat < 1 ? "--repeat must be at least 1."
        : Workers < 1 ? "--workers must be at least 1."
        : CalibrationSeconds <= 0 ? "--calibration-seconds must be positive."
        : CheckpointEvery is { } every && every <= TimeSpan.Zero ? "--checkpoint-every must be positive."
        : Policies.Any(p => p.Checkpointed) && CheckpointEvery is null ? "Contenders with checkpoints need --checkpoint-every."
        : Policies.Any(p => p.Checkpointed && p.Runtime is not null) ? "--checkpoint-every applies to the embedded runtime (and slots) only."
        : null;

    /// <summary>The first problem with running <paramref name="scenario"/> with these settings, or null: <see cref="Problem"/>, or runs that end before the scenario's first spike.</summary>
    public string? ProblemFor(Workloads.Scenario scenario)
    {
        if (Problem() is { } problem) return problem;
        double seconds = SecondsFor(scenario);
        return scenario.Spikes.Count > 0 && scenario.Spikes.Min(s => s.StartSecond) is var first && seconds <= first
            ? $"{scenario.Name}: runs of {seconds:0.#} s end before its first spike at {first:0.#} s, so they would measure no spike; use --seconds above {first:0.#} (or omit it: {scenario.Name} then runs until {AfterLastSpikeSeconds:0} s after its last spike)."
            : null;
    }
}
