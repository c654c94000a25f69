using System.Reflection;
using System.Runtime.Loader;
using Cameo.Dataflow;

namespace Cameo.Orleans.Deployment;

/// <summary>
/// The queries a silo can build by name: the built-in <see cref="QueryCatalog"/> and the
/// <see cref="IQueryDefinition"/>s registered in its services (<see cref="CameoHosting.AddCameoQueries(ISiloBuilder, Assembly)"/>,
/// <c>cameo silo --queries</c>). A query's coordinator plans submissions with it, and each silo
/// builds the instances it hosts with it.
/// </summary>
public sealed class QueryDefinitions
{
    private readonly Dictionary<string, IQueryDefinition> _definitions = new(StringComparer.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">Two definitions share a name, or one takes a built-in catalog query's name.</exception>
    public QueryDefinitions(IEnumerable<IQueryDefinition> definitions)
    {
        foreach (var d in definitions)
        {
            if (string.IsNullOrWhiteSpace(d.Name)) throw new ArgumentException($"Query definition {d.GetType().FullName} has no name.");
            if (QueryCatalog.Contains(d.Name)) throw new ArgumentException($"Query definition {d.GetType().FullName} takes the name of the built-in query '{d.Name}'.");
            if (!_definitions.TryAdd(d.Name, d))
                throw new ArgumentException($"Query definitions {_definitions[d.Name].GetType().FullName} and {d.GetType().FullName} are both named '{d.Name}'.");
        }
    }

    /// <summary>The loaded definitions, by name.</summary>
    public IReadOnlyCollection<IQueryDefinition> Loaded => _definitions.Values;

    /// <summary>Every name a submission may use, with its description: the built-in queries, then the loaded definitions.</summary>
    public IReadOnlyDictionary<string, string> Names =>
        QueryCatalog.Names.Concat(_definitions.Values.Select(d => KeyValuePair.Create(d.Name, d.Description))).ToDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Builds query <paramref name="spec"/> (a built-in or a definition) in this process.</summary>
    /// <exception cref="ArgumentException">No such query here, or its definition rejected the parameters.</exception>
    /// <exception cref="QueryDefinitionException">The definition cannot run.</exception>
    public LocalQuery Build(QuerySpec spec)
    {
        string name = spec.Catalog ?? throw new ArgumentException($"Query '{spec.Name}' names no catalog query or definition.");
        if (QueryCatalog.Contains(name)) return QueryCatalog.Build(spec);
        if (!_definitions.TryGetValue(name, out var definition))
            throw new ArgumentException($"Unknown query '{name}': this silo knows {string.Join(", ", Names.Keys)} (silos load definitions with --queries ASSEMBLY).");
        var parameters = (IReadOnlyDictionary<string, string>?)spec.Parameters ?? new Dictionary<string, string>();
        return PlanCapture.Build(spec, definition.LatencyTarget, b => definition.Define(b, parameters));
    }

    /// <summary>
    /// Completes a submission: names and counts its instances, sources and sinks from the plan this
    /// process builds (a definition's parameter errors surface here, before anything is deployed).
    /// </summary>
    public QuerySpec Plan(QuerySpec submission)
    {
        var plan = Build(submission).Plan;
        return submission with
        {
            Instances = [.. plan.Instances.Select(i => $"{i.Node.Name}[{i.Partition}]")],
            Sources = [.. plan.Instances.Select((inst, i) => (inst, i)).Where(x => x.inst.Node.Kind == NodeKind.Source).Select(x => x.i)],
            Sinks = plan.SinkInstances,
        };
    }

    /// <summary>
    /// The public, non-abstract classes of <paramref name="assembly"/> that implement
    /// <see cref="IQueryDefinition"/> and have a public parameterless constructor.
    /// </summary>
    /// <exception cref="ArgumentException">The assembly has none.</exception>
    public static IReadOnlyList<Type> TypesIn(Assembly assembly)
    {
        var types = assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } && typeof(IQueryDefinition).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();
        return types.Count > 0 ? types
            : throw new ArgumentException($"{assembly.GetName().Name} has no public class implementing {nameof(IQueryDefinition)} with a public parameterless constructor.");
    }

    /// <summary>
    /// Loads a query assembly from <paramref name="path"/> into the default load context, so that its
    /// types are the ones Orleans and Cameo see; its own dependencies resolve from beside it (its .deps.json).
    /// </summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static Assembly Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"No query assembly at {full}.", full);
        var resolver = new AssemblyDependencyResolver(full);
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            resolver.ResolveAssemblyToPath(name) is { } dependency ? context.LoadFromAssemblyPath(dependency) : null;
        return AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
    }
}
