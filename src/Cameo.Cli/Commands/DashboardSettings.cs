using System.CommandLine;
using Cameo.Dashboard;

namespace Cameo.Cli.Commands;

/// <summary>The <c>--dashboard</c> options of <c>run</c> and <c>silo</c>: a live page on 127.0.0.1.</summary>
internal static class DashboardSettings
{
    public static readonly Option<bool> Enable = new("--dashboard") { Description = "Serve a live dashboard on http://127.0.0.1:PORT/ (SSE at /events, JSON at /api/snapshot)." };

    public static readonly Option<int> Port = new("--dashboard-port")
    {
        Description = "The dashboard's port (0: a free one).",
        DefaultValueFactory = _ => DashboardOptions.DefaultPort,
    };

    /// <summary>The dashboard's options, or null when <c>--dashboard</c> is not given.</summary>
    public static DashboardOptions? From(ParseResult parse) =>
        parse.GetValue(Enable) ? new DashboardOptions { Port = parse.GetValue(Port) } : null;
}
