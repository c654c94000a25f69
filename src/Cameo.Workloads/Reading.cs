namespace Cameo.Workloads;

/// <summary>
/// A telemetry reading, the record type of the production-style queries: a sensor in a region
/// reports a value with a severity. Generated deterministically from (seed, index).
/// </summary>
/// <param name="Sensor">Sensor id, 0..Sensors-1.</param>
/// <param name="Region">Region of the sensor.</param>
/// <param name="Value">Measured value.</param>
/// <param name="Severity">0..9; 9 is rare.</param>
/// <param name="TimeMs">Event time, Unix ms.</param>
public readonly record struct Reading(int Sensor, int Region, double Value, int Severity, long TimeMs)
{
    public const int Sensors = 1000;
    public const int Regions = 16;

    /// <summary>The <paramref name="index"/>-th reading of stream <paramref name="seed"/>, due at <paramref name="dueMs"/>.</summary>
    /// <remarks>Event time trails the due time by up to <paramref name="maxSkewMs"/>: records arrive slightly out of order.</remarks>
    public static Reading Generate(int seed, long index, long dueMs, int maxSkewMs = 20)
    {
        ulong h = Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)index);
        int sensor = (int)(h % Sensors);
        int severity = (int)((h >> 20) % 1000) switch { < 990 => (int)((h >> 30) % 9), _ => 9 };
        double value = ((h >> 40) % 10_000) / 100.0;
        long skew = maxSkewMs == 0 ? 0 : (long)((h >> 8) % (ulong)maxSkewMs);
        return new Reading(sensor, sensor % Regions, value, severity, dueMs - skew);
    }

    private static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }
}
