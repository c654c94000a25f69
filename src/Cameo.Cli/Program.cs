using System.CommandLine;
using Cameo.Cli.Commands;
using Spectre.Console;

// Redirected output (CI logs, files) gets full-width tables instead of an 80-column wrap.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

var root = new RootCommand("Cameo: deadline-aware stream processing for many tenants on shared machines.")
{
    RunCommand.Create(),
    BenchCommand.Create(),
    SiloCommand.Create(),
    SubmitCommand.Create(),
    StatusCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
