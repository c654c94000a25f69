using System.Net;
using Microsoft.Extensions.Logging;

namespace Cameo.Dashboard;

/// <summary>Where a <see cref="DashboardServer"/> listens and how often it refreshes.</summary>
public sealed class DashboardOptions
{
    /// <summary>The port <c>cameo run --dashboard</c> and <c>cameo silo --dashboard</c> use unless told otherwise.</summary>
    public const int DefaultPort = 8480;

    /// <summary>
    /// The address to listen on. Loopback by default: the page and its data are readable by anyone
    /// who reaches the port and have no authentication, so another address must be asked for explicitly.
    /// </summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The port; 0 picks a free one (read <see cref="DashboardServer.Address"/>).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>How often a snapshot is taken and pushed to open pages.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where the web server logs (warnings and errors); null: it does not log.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <exception cref="ArgumentOutOfRangeException">A port outside 0-65535, or an interval outside 50 ms to 1 min.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Address);
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "A port is between 0 and 65535.");
        if (Interval < TimeSpan.FromMilliseconds(50) || Interval > TimeSpan.FromMinutes(1))
            throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "The refresh interval is between 50 ms and one minute.");
    }
}
