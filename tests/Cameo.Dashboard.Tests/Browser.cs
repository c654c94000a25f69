using Microsoft.Playwright;

namespace Cameo.Dashboard.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by .ci/run) driven by Playwright with an
/// explicit executable path: Playwright's own browser download needs the internet, so it is never used.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly string _profile;

    private Browser(IPlaywright playwright, IBrowserContext context, string profile) => (_playwright, Context, _profile) = (playwright, context, profile);

    public IBrowserContext Context { get; }

    /// <summary>A headless Chromium with a fresh profile.</summary>
    public static async Task<Browser> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath),
            $"Chromium is not installed at {ChromiumPath}: the browser tests need Debian's chromium package, which .ci/run installs.");
        var playwright = await Playwright.CreateAsync();
        string profile = Directory.CreateTempSubdirectory("cameo-dashboard-chromium-").FullName;
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
                Timeout = 60_000,
            });
            return new Browser(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { /* chromium may still hold a lock file for a moment */ }
    }
}
