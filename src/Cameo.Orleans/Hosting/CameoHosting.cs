using System.Reflection;
using Cameo.Messages;
using Cameo.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Cameo.Orleans;

/// <summary>Registers Cameo on Orleans silos and clients.</summary>
public static class CameoHosting
{
    /// <summary>Lets this silo host Cameo operator instances, scheduled as <paramref name="configure"/> says.</summary>
    public static ISiloBuilder AddCameo(this ISiloBuilder builder, Action<CameoSiloOptions>? configure = null)
    {
        var options = new CameoSiloOptions();
        configure?.Invoke(options);
        builder.Services.AddSingleton(new CameoSilo(options));
        builder.Services.AddSingleton<Monitoring.SiloMonitor>();
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
