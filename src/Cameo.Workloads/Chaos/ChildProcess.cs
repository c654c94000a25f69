using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Cameo.Workloads.Chaos;

/// <summary>How to start the <c>cameo</c> executable again as a child process.</summary>
/// <param name="FileName">The program to run.</param>
/// <param name="Prefix">Arguments before the command's own (the CLI assembly, when run through <c>dotnet</c>).</param>
public sealed record CameoExecutable(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>
    /// The executable of the CLI assembly <paramref name="cli"/>: this process itself when it is that
    /// program started by its own launcher (an apphost, as <c>dotnet run</c> and installed tools
    /// start it); else the apphost beside the assembly; else <c>dotnet</c> with the assembly (from tests).
    /// </summary>
    public static CameoExecutable Of(Assembly cli)
    {
        string? process = Environment.ProcessPath;
        bool viaDotnet = process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        if (process is not null && !viaDotnet && Assembly.GetEntryAssembly() == cli) return new(process, []);
        string dll = cli.Location;
        string apphost = Path.ChangeExtension(dll, OperatingSystem.IsWindows() ? ".exe" : null);
        if (File.Exists(apphost)) return new(apphost, []);
        string dotnet = viaDotnet ? process!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return new(dotnet, [dll]);
    }

    /// <summary>A start of this executable with <paramref name="arguments"/>, output redirected.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(FileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in Prefix.Concat(arguments)) info.ArgumentList.Add(a);
        return info;
    }
}
