using System.CommandLine;
using System.Globalization;

namespace Cameo.Cli.Commands;

/// <summary>Options that take a duration with a unit: <c>500ms</c>, <c>1s</c>, <c>2m</c> (a bare number is seconds).</summary>
public static class Duration
{
    /// <summary>An option parsed by <see cref="TryParse"/>, with <paramref name="defaultValue"/> if given.</summary>
    public static Option<TimeSpan?> Option(string name, string description, TimeSpan? defaultValue = null) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (TryParse(text, out var value) && value > TimeSpan.Zero) return value;
            result.AddError($"{name}: '{text}' is not a positive duration (e.g. 500ms, 1s, 2m).");
            return null;
        },
    };

    /// <summary>Parses <c>N</c> (seconds), <c>Nms</c>, <c>Ns</c>, <c>Nm</c>.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string number, double scale) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60)
            : (text, 1);
        bool ok = double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && double.IsFinite(n);
        value = ok ? TimeSpan.FromSeconds(n * scale) : default;
        return ok;
    }
}
