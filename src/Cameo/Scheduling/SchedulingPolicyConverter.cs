using System.ComponentModel;
using System.Globalization;

namespace Cameo.Scheduling;

/// <summary>
/// Converts a policy name to its <see cref="ISchedulingPolicy"/> (<see cref="SchedulingPolicies.Parse"/>),
/// so that configuration binding sets <see cref="EngineOptions.Policy"/> from a name such as <c>"edf"</c>.
/// </summary>
public sealed class SchedulingPolicyConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string name ? SchedulingPolicies.Parse(name.Trim()) : base.ConvertFrom(context, culture, value);

    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is ISchedulingPolicy policy ? policy.Name : base.ConvertTo(context, culture, value, destinationType);
}
