using System.Reflection;
using Cameo.Messages;
using Cameo.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Cameo.Orleans;

/// <summary>Registers Cameo on Orleans silos and clients.</summary>
public static class CameoHosting
{
    /// <summary>The configuration section <see cref="CameoSiloOptions"/> are bound from by default.</summary>
    public const string ConfigurationSection = "Cameo:Silo";

    /// <summary>
    /// Lets this silo host Cameo operator instances. <see cref="CameoSiloOptions"/> are bound from the
    /// configuration section <c>Cameo:Silo</c> (when the host has a configuration; the policy by name,
    /// e.g. <c>"Policy": "orleans-default"</c>), then <paramref name="configure"/> runs; they are
    /// validated when the silo starts.
    /// </summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, Action<CameoSiloOptions>? configure = null) =>
        builder.AddCameo(ConfigurationSection, configure);

    /// <summary><see cref="AddCameo(ISiloBuilder, Action{CameoSiloOptions}?)"/>, binding the options from <paramref name="configurationSection"/>.</summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, string configurationSection, Action<CameoSiloOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<CameoSiloOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(configurationSection).Bind(o));
        if (configure is not null) options.Configure(configure);
        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CameoSiloOptions>, SiloOptionsValidator>());
        builder.Services.AddSingleton(sp => new CameoSilo(sp.GetRequiredService<IOptions<CameoSiloOptions>>().Value));
        builder.Services.AddCameoSerialization();
        return builder;
    }

    /// <summary>Lets this client submit and observe Cameo queries.</summary>
    public static IClientBuilder AddCameo(this IClientBuilder builder)
    {
        builder.Services.AddCameoSerialization();
        return builder;
    }

    /// <summary>
    /// Orleans codecs for Cameo's messages come from surrogates (MessageSurrogates.cs). Records
    /// inside batches need codecs too: types with <c>[GenerateSerializer]</c> use their own; other
    /// application types, and Cameo's own result types (such as <c>WindowResult</c>), fall back to
    /// System.Text.Json (see <see cref="UsesJson"/>).
    /// </summary>
    public static IServiceCollection AddCameoSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(isSupported: UsesJson));

    /// <summary>
    /// Whether <paramref name="type"/> travels as JSON: records of Cameo's core library (which does
    /// not reference Orleans) other than the message types, and application types that have no
    /// Orleans codec of their own. Framework and Orleans types keep Orleans' built-in codecs.
    /// </summary>
    public static bool UsesJson(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsArray || type.IsPointer || type == typeof(string)) return false;
        if (type.Assembly == typeof(CameoEngine).Assembly)
            return !typeof(Message).IsAssignableFrom(type) && type != typeof(PriorityContext) && type != typeof(ReplyContext);
        if (type.Assembly == typeof(CameoHosting).Assembly) return false;
        string ns = type.Namespace ?? "";
        if (ns.StartsWith("System", StringComparison.Ordinal) || ns.StartsWith("Microsoft", StringComparison.Ordinal) || ns.StartsWith("Orleans", StringComparison.Ordinal))
            return false;
        return type.GetCustomAttribute<GenerateSerializerAttribute>() is null && type.GetCustomAttribute<RegisterConverterAttribute>() is null;
    }
}

/// <summary>Fails the silo's start when <see cref="CameoSiloOptions"/> cannot run, naming every problem.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<CameoSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, CameoSiloOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => $"Cameo silo: {p}"));
    }
}
