using System.Collections.Concurrent;
using System.Text.Json;
using Cameo.Checkpoints;
using Cameo.Operators;
using Cameo.Orleans.Grains;

namespace Cameo.Orleans.Checkpoints;

/// <summary>
/// A checkpointed query's coordinator as the instances of one incarnation in one process see it
/// (their <see cref="Execution.QueryContext.Checkpoints"/>): acknowledgements and final states go to
/// the query's coordinator grain (<see cref="QueryGrain"/>, which runs the
/// <see cref="CheckpointCoordinator"/>) tagged with the incarnation, so the coordinator ignores those
/// of an incarnation it rolled back; the requested checkpoint, the restored state and the readers and
/// writers are kept here, where the instance grains set and use them.
/// </summary>
/// <param name="grains">Reaches the coordinator grain.</param>
/// <param name="queryKey">The query's cluster-wide key (the coordinator grain's key).</param>
/// <param name="epoch">The incarnation of the query whose instances use this proxy.</param>
/// <param name="serializer">How operator state of the query's own types is serialized.</param>
internal sealed class SiloCheckpoints(IGrainFactory grains, string queryKey, int epoch, JsonSerializerOptions serializer) : ICheckpointCoordinator
{
    private const int Attempts = 3;
    private readonly ConcurrentDictionary<int, InstanceState> _restored = new();
    private readonly ConcurrentDictionary<int, ICheckpointedReader> _readers = new();
    private readonly ConcurrentDictionary<int, ITransactionalWriter> _writers = new();
    private long _requested;
    private long _startedAfter;

    public long Requested => Volatile.Read(ref _requested);

    public long StartedAfter => Volatile.Read(ref _startedAfter);

    public JsonSerializerOptions Serializer => serializer;

    public InstanceState? Restored(int instance) => _restored.TryGetValue(instance, out var state) ? state : null;

    public void Register(int instance, ICheckpointedReader reader) => _readers[instance] = reader;

    public void Register(int instance, ITransactionalWriter writer) => _writers[instance] = writer;

    public void Acknowledge(long checkpointId, int instance, InstanceState state)
    {
        byte[] bytes = state.ToBytes();
        Send(c => c.Acknowledge(epoch, checkpointId, instance, bytes));
    }

    public void Ended(int instance, InstanceState finalState, bool source)
    {
        byte[] bytes = finalState.ToBytes();
        Send(c => c.Ended(epoch, instance, bytes, source));
    }

    /// <summary>The coordinator asks for checkpoint <paramref name="checkpointId"/> (sources inject its barrier at their next read).</summary>
    public void Request(long checkpointId)
    {
        long current;
        while ((current = Volatile.Read(ref _requested)) < checkpointId && Interlocked.CompareExchange(ref _requested, checkpointId, current) != current)
        {
        }
    }

    /// <summary>
    /// Instance <paramref name="instance"/> resumes from <paramref name="state"/> (null: it starts
    /// afresh); checkpoints after <paramref name="startedAfter"/> are the incarnation's own.
    /// </summary>
    public void Restore(int instance, InstanceState? state, long startedAfter)
    {
        if (state is not null) _restored[instance] = state;
        Volatile.Write(ref _startedAfter, startedAfter);
        Request(startedAfter);
    }

    /// <summary>The reader of source instance <paramref name="instance"/> in this process, if any.</summary>
    public ICheckpointedReader? Reader(int instance) => _readers.GetValueOrDefault(instance);

    /// <summary>The transactional writer of sink instance <paramref name="instance"/> in this process, if any.</summary>
    public ITransactionalWriter? Writer(int instance) => _writers.GetValueOrDefault(instance);

    /// <summary>
    /// Calls the coordinator off the caller's thread (a worker or a source driver), a few times if the
    /// call fails; a checkpoint whose acknowledgement is lost for good does not complete, and the query
    /// resumes from the one before it if it must.
    /// </summary>
    private void Send(Func<IQueryGrain, Task> call) => _ = Task.Run(async () =>
    {
        var coordinator = grains.GetGrain<IQueryGrain>(queryKey);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await call(coordinator).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return; // the coordinator is gone or the call keeps failing: see the summary
            }
        }
    });
}
