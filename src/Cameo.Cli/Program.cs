using System.CommandLine;
using System.CommandLine.Help;
using Cameo.Cli.Commands;
using Spectre.Console;

// Redirected output (CI logs, files) gets full-width tables instead of an 80-column wrap.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

// Named `cameo` however it was started (as a .NET tool it runs as `dotnet Cameo.Cli.dll`, and a
// RootCommand would take its name from that file).
var root = new Command("cameo", "Cameo: deadline-aware stream processing for many tenants on shared machines.")
{
    new HelpOption(),
    new VersionOption(),
    RunCommand.Create(),
    DurabilityBenchCommands.AddTo(BenchCommand.Create()),
    SiloCommand.Create(),
    SubmitCommand.Create(),
    StatusCommand.Create(),
    ChaosCommand.Create(),
    SoakCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
