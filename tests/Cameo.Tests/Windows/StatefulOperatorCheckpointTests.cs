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

    /// <summary>A custom operator with state (a running count) and no snapshot.</summary>
    private sealed class RunningCount : Operator<long, long>
    {
        private long _count;

        public override void OnRecords(ReadOnlySpan<long> items, ReadOnlySpan<long> timestamps, IOutput<long> output)
        {
            for (int i = 0; i < items.Length; i++) output.Emit(++_count, timestamps[i]);
        }
    }

    private static CameoEngine CheckpointedEngine() =>
        new(new EngineOptions { Checkpoints = new Cameo.Checkpoints.CheckpointOptions { Store = new Cameo.Checkpoints.DirectoryStateStore(Path.Combine(Path.GetTempPath(), $"cameo-gap-{Guid.NewGuid():N}")) } });

    [Fact]
    public void A_checkpointed_engine_refuses_a_query_whose_custom_operator_cannot_be_saved()
    {
        var engine = CheckpointedEngine();
        var error = Assert.Throws<Cameo.Dataflow.QueryDefinitionException>(() => engine.AddQuery("counts", TimeSpan.FromSeconds(1), q => q
            .From(Source.From(new[] { 1L, 2L, 3L }))
            .Apply("RunningCount", () => new RunningCount())
            .To(_ => { })));
        Assert.Contains("cannot save", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpointed_engine_takes_sessions_table_joins_and_event_times_after_operators()
    {
        var engine = CheckpointedEngine();
        engine.AddQuery("sessions", TimeSpan.FromSeconds(1), q =>
        {
            var table = q.From(Source.From(new[] { 1L, 2L })).WithEventTime(t => t, TimeSpan.Zero);
            q.From(Source.From(new[] { 1L, 2L, 3L })).Select(t => t + 1).WithEventTime(t => t, TimeSpan.Zero)
                .KeyBy(t => t % 2).SessionWindow(TimeSpan.FromMilliseconds(10)).Count()
                .Select(r => r.Value).JoinTable(table, v => v % 2, row => row % 2, (v, row) => v + row)
                .To(_ => { });
        });
    }
}
