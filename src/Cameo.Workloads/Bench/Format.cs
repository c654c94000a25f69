using System.Globalization;

namespace Cameo.Workloads.Bench;

/// <summary>How benchmark numbers are written in verdicts, logs and tables (culture-invariant).</summary>
public static class Format
{
    /// <summary>A fraction as a percentage without the culture's space: 0.873 -> "87%".</summary>
    public static string Pct(double fraction, int decimals = 0) =>
        (fraction * 100).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture) + "%";
}
