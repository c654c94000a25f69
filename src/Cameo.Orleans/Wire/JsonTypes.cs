using System.Collections.Concurrent;
using System.Reflection;
using Cameo.Dataflow;
using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Orleans.Wire;

/// <summary>
/// The allow-list of types Orleans may encode and decode as JSON (see
/// <see cref="CameoHosting.AddCameoSerialization"/>): Cameo's own record types (such as
/// <c>WindowResult</c>), the record types of the queries this process built (every plan registers
/// the types on its edges), and the types of registered query assemblies
/// (<see cref="CameoHosting.AddCameoQueries(ISiloBuilder, Assembly)"/>). A type name read from the
/// wire that is none of these gets no JSON codec, so it is never instantiated: a peer cannot make a
/// silo construct an arbitrary type. Generic arguments must be allowed too.
/// </summary>
public static class JsonTypes
{
    private static readonly ConcurrentDictionary<Type, byte> Types = new();
    private static readonly ConcurrentDictionary<Assembly, byte> Assemblies = new();

    /// <summary>Allows <paramref name="type"/> (a query's record type).</summary>
    public static void Allow(Type type) => Types.TryAdd(type, 0);

    /// <summary>Allows every type declared in <paramref name="assembly"/> (a query assembly).</summary>
    public static void Allow(Assembly assembly) => Assemblies.TryAdd(assembly, 0);

    /// <summary>Allows the record types flowing through <paramref name="graph"/>'s operators.</summary>
    public static void AllowRecordsOf(LogicalGraph graph)
    {
        foreach (var node in graph.Nodes)
            foreach (var type in node.Accept(RecordTypes.Instance))
                Allow(type);
    }

    /// <summary>Whether Orleans encodes <paramref name="type"/> as JSON: an allowed type that has no Orleans codec of its own.</summary>
    public static bool UsesJson(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type.IsArray || type.IsPointer || type == typeof(string)) return false;
        if (typeof(Exception).IsAssignableFrom(type)) return false; // Orleans' exception codec
        if (type.Assembly == typeof(CameoHosting).Assembly) return false; // Orleans codecs of their own
        if (IsFramework(type)) return false;
        if (type.GetCustomAttribute<GenerateSerializerAttribute>() is not null || type.GetCustomAttribute<RegisterConverterAttribute>() is not null) return false;
        return IsAllowed(type);
    }

    /// <summary>Whether <paramref name="type"/> may be built from JSON: see <see cref="JsonTypes"/>.</summary>
    public static bool IsAllowed(Type type)
    {
        if (type.IsArray) return IsAllowedArgument(type.GetElementType()!);
        var definition = type.IsConstructedGenericType ? type.GetGenericTypeDefinition() : type;
        bool own = type.Assembly == typeof(CameoEngine).Assembly
            ? !typeof(Message).IsAssignableFrom(type) && type != typeof(PriorityContext) && type != typeof(ReplyContext)
            : Types.ContainsKey(type) || Types.ContainsKey(definition) || Assemblies.ContainsKey(type.Assembly);
        return own && (!type.IsConstructedGenericType || type.GetGenericArguments().All(IsAllowedArgument));
    }

    /// <summary>A generic argument: a plain framework value, a framework container of allowed arguments, or an allowed type.</summary>
    private static bool IsAllowedArgument(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
            || type == typeof(TimeSpan) || type == typeof(Guid) || type == typeof(DateOnly) || type == typeof(TimeOnly))
            return true;
        if (type.IsArray) return IsAllowedArgument(type.GetElementType()!);
        if (IsFramework(type))
            return type.IsConstructedGenericType && IsContainer(type.GetGenericTypeDefinition()) && type.GetGenericArguments().All(IsAllowedArgument);
        return IsAllowed(type);
    }

    private static bool IsContainer(Type definition) =>
        definition == typeof(Nullable<>) || definition == typeof(KeyValuePair<,>) || definition == typeof(List<>) || definition == typeof(Dictionary<,>)
        || definition == typeof(IReadOnlyList<>) || definition == typeof(IReadOnlyDictionary<,>) || definition.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true
        || definition.FullName?.StartsWith("System.Tuple`", StringComparison.Ordinal) == true;

    private static bool IsFramework(Type type)
    {
        string ns = type.Namespace ?? "";
        return ns.StartsWith("System", StringComparison.Ordinal) || ns.StartsWith("Microsoft", StringComparison.Ordinal) || ns.StartsWith("Orleans", StringComparison.Ordinal);
    }

    private sealed class RecordTypes : INodeVisitor<Type[]>
    {
        public static readonly RecordTypes Instance = new();
        public Type[] VisitSource<T>(SourceNode<T> node) => [typeof(T)];
        public Type[] VisitUnary<TIn, TOut>(UnaryNode<TIn, TOut> node) => [typeof(TIn), typeof(TOut)];
        public Type[] VisitBinary<TLeft, TRight, TOut>(BinaryNode<TLeft, TRight, TOut> node) => [typeof(TLeft), typeof(TRight), typeof(TOut)];
        public Type[] VisitSink<T>(SinkNode<T> node) => [typeof(T)];
    }
}
