using System.CommandLine;
using Cameo.Cli.Commands;

var root = new RootCommand("Cameo: deadline-aware stream processing for many tenants on shared machines.")
{
    RunCommand.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
