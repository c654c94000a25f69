using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cameo.Orleans.Tests;

/// <summary><c>siloBuilder.AddCameo(...)</c>: options bound from configuration, validated when the silo starts, no process-wide side effects unasked.</summary>
public class SiloHostingTests
{
    private static IHost BuildSilo(Action<ConfigurationManager> configure, Action<CameoSiloOptions>? code = null)
    {
        var builder = Host.CreateApplicationBuilder();
        configure(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: 11190, gatewayPort: 30090); // never listened on: these silos are not started, or fail validation first
            silo.AddCameo(code);
        });
        return builder.Build();
    }

    [Fact]
    public void Silo_options_are_bound_from_the_Cameo_Silo_section_then_configured_by_code()
    {
        using var host = BuildSilo(c =>
        {
            c["Cameo:Silo:Policy"] = "orleans-default";
            c["Cameo:Silo:Turns"] = "3";
            c["Cameo:Silo:Quantum"] = "00:00:00.004";
        }, o => o.UrgentTurns = 0);

        var options = host.Services.GetRequiredService<IOptions<CameoSiloOptions>>().Value;
        Assert.Null(options.Policy);
        Assert.Equal(CameoSiloOptions.OrleansDefault, options.PolicyName);
        Assert.Equal(3, options.Turns);
        Assert.Equal(TimeSpan.FromMilliseconds(4), options.Quantum);
        Assert.Equal(0, options.UrgentTurns);
        Assert.False(options.RaiseThreadPoolMinimum);
        Assert.Null(host.Services.GetRequiredService<CameoSilo>().Scheduler);
    }

    [Fact]
    public void A_policy_is_bound_by_name()
    {
        using var host = BuildSilo(c => c["Cameo:Silo:Policy"] = "edf");
        Assert.Equal("edf", host.Services.GetRequiredService<IOptions<CameoSiloOptions>>().Value.Policy?.Name);
    }

    [Fact]
    public async Task Invalid_silo_options_fail_the_start_naming_the_problem()
    {
        using var host = BuildSilo(c => c["Cameo:Silo:Turns"] = "0");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Cameo silo: Turns must be at least 1 (was 0).", error.Failures);
    }

    [Fact]
    public void A_silo_leaves_the_thread_pool_alone_unless_asked()
    {
        ThreadPool.GetMinThreads(out int workers, out _);
        using var host = BuildSilo(_ => { }, o => o.Turns = 64);
        _ = host.Services.GetRequiredService<CameoSilo>();
        ThreadPool.GetMinThreads(out int after, out _);
        Assert.Equal(workers, after); // asked, it would be 64 + 1 + 4 per core
    }
}
