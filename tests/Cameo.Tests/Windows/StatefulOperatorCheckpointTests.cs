using Cameo.Operators;

namespace Cameo.Tests.Windows;

/// <summary>
/// Holds the operators that keep state to the checkpoint contract once operators have one: as soon
/// as any operator implements an interface of the Cameo assembly named for checkpoints, every
/// stateful operator must implement one too, so none is left out of a snapshot.
/// </summary>
public class StatefulOperatorCheckpointTests
{
    /// <summary>The operators that keep state between messages (windows, sessions, joins, the table join).</summary>
    private static readonly Type[] Stateful =
    [
        typeof(WindowAggregateOperator<,,,>), typeof(SessionWindowOperator<,,,>), typeof(WindowJoinOperator<,,,>), typeof(TableJoinOperator<,,,>),
    ];

    private static bool IsOperator(Type t) =>
        t.BaseType is { IsGenericType: true } b && (b.GetGenericTypeDefinition() == typeof(Operator<,>) || b.GetGenericTypeDefinition() == typeof(BinaryOperator<,,>));

    [Fact]
    public void Once_operators_are_checkpointed_every_stateful_operator_is()
    {
        var assembly = typeof(Operator<,>).Assembly;
        var operators = assembly.GetTypes().Where(IsOperator).ToList();
        Assert.All(Stateful, t => Assert.Contains(t, operators));
        var checkpointContracts = operators
            .SelectMany(t => t.GetInterfaces())
            .Where(i => i.Assembly == assembly && i.Name.Contains("Checkpoint", StringComparison.Ordinal))
            .Select(i => i.IsGenericType ? i.GetGenericTypeDefinition() : i)
            .ToHashSet();
        foreach (var op in Stateful)
        {
            if (checkpointContracts.Count == 0) continue; // no operator is checkpointed yet
            Assert.True(op.GetInterfaces().Any(i => checkpointContracts.Contains(i.IsGenericType ? i.GetGenericTypeDefinition() : i)),
                $"{op.Name} keeps state but implements none of {string.Join(", ", checkpointContracts.Select(c => c.Name))}");
        }
    }
}
