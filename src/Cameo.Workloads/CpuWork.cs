namespace Cameo.Workloads;

/// <summary>
/// Real CPU work standing in for per-event processing (parsing, feature extraction): rounds of a
/// 64-bit mixing function whose result feeds the output, so the JIT cannot drop it.
/// </summary>
public static class CpuWork
{
    /// <summary>Mixes <paramref name="seed"/> <paramref name="rounds"/> times (about a nanosecond a round).</summary>
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
}
