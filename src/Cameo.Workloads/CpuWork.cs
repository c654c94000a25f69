using System.Diagnostics;

namespace Cameo.Workloads;

/// <summary>
/// Real CPU work standing in for per-event processing (parsing, feature extraction): rounds of a
/// 64-bit mixing function whose result feeds the output, so the JIT cannot drop it.
/// </summary>
public static class CpuWork
{
    /// <summary>Mixes <paramref name="seed"/> <paramref name="rounds"/> times (a few nanoseconds a round, depending on the machine).</summary>
    public static ulong Burn(ulong seed, int rounds)
    {
        ulong x = seed | 1;
        for (int i = 0; i < rounds; i++)
        {
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdUL;
            x ^= x >> 29;
        }
        return x;
    }

    /// <summary>Rounds of <see cref="Burn"/> this machine runs per microsecond (measured once, the fastest of a few tries).</summary>
    public static double RoundsPerMicrosecond => LazyRoundsPerMicrosecond.Value;

    /// <summary>Rounds of <see cref="Burn"/> that take about <paramref name="micros"/> microseconds on this machine.</summary>
    public static int RoundsFor(double micros) => (int)Math.Round(micros * RoundsPerMicrosecond);

    private static readonly Lazy<double> LazyRoundsPerMicrosecond = new(() =>
    {
        const int rounds = 1_000_000;
        Burn(1, rounds); // JIT
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            Burn((ulong)i, rounds);
            best = Math.Min(best, clock.Elapsed.TotalMicroseconds);
        }
        return rounds / best;
    });
}
