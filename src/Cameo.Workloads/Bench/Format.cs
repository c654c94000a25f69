using System.Globalization;

namespace Cameo.Workloads.Bench;

/// <summary>How benchmark numbers are written in verdicts, logs and tables (culture-invariant).</summary>
public static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A fraction as a percentage without the culture's space: 0.873 -> "87%".</summary>
    public static string Pct(double fraction, int decimals = 0) =>
        (fraction * 100).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), Invariant) + "%";

    /// <summary>
    /// An SLA attainment: "n/a" without outputs; else a percentage rounded down, so that "100%"
    /// means every output was on target (99.996% shows as 99.99%). Two decimals above 99%, where
    /// the targets sit; one below.
    /// </summary>
    public static string Sla(double? fraction)
    {
        if (fraction is not { } f) return "n/a";
        int decimals = f >= 0.99 ? 2 : 1;
        double scale = Math.Pow(10, decimals);
        double floored = Math.Floor(f * 100 * scale + 1e-9) / scale;
        return floored.ToString("0." + new string('0', decimals), Invariant) + "%";
    }

    /// <summary>A latency in milliseconds with 3 significant digits or so: 0.42, 12.3, 310.</summary>
    public static string Ms(double ms) =>
        ms >= 100 ? ms.ToString("0", Invariant) : ms >= 10 ? ms.ToString("0.0", Invariant) : ms.ToString("0.00", Invariant);

    /// <summary>A latency, or "n/a" if there is none.</summary>
    public static string Ms(double? ms) => ms is { } v ? Ms(v) : "n/a";

    /// <summary>A ratio: "12x", "4.6x", "0.97x"; "n/a" when there is none (a side missing or zero), never "0.0x".</summary>
    public static string Ratio(double? ratio) => ratio switch
    {
        null => "n/a",
        >= 9.95 => ratio.Value.ToString("0", Invariant) + "x",
        >= 0.995 => ratio.Value.ToString("0.0", Invariant) + "x",
        >= 0.01 => ratio.Value.ToString("0.00", Invariant) + "x",
        _ => "<0.01x",
    };

    /// <summary>An offered load: "90%", or "120% (overload)" above 1.</summary>
    public static string Load(double load) => load > 1 ? $"{Pct(load)} (overload)" : Pct(load);
}
