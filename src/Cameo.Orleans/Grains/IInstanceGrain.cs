using Cameo.Orleans.Deployment;
using Cameo.Orleans.Wire;

namespace Cameo.Orleans.Grains;

/// <summary>One operator instance of one query; keyed <c>{query key}/{instance index}</c>.</summary>
[Alias("cameo.instance")]
public interface IInstanceGrain : IGrainWithStringKey
{
    /// <summary>Builds the instance's host for incarnation <paramref name="epoch"/> of its query. Returns the silo it runs on.</summary>
    [Alias("start")]
    Task<string> Start(QuerySpec spec, int index, int epoch);

    /// <summary>
    /// A checkpointed query: puts the instance in the state of the checkpoint its query resumes from
    /// (<see cref="Cameo.Checkpoints.InstanceState.ToBytes"/>; null: it starts afresh) before its
    /// first message; checkpoints after <paramref name="startedAfter"/> are its incarnation's own.
    /// </summary>
    [Alias("restore")]
    Task Restore(byte[]? state, long startedAfter);

    /// <summary>A source of a checkpointed query: inject the barrier of checkpoint <paramref name="checkpointId"/> at the next read.</summary>
    [OneWay, AlwaysInterleave, Alias("request-checkpoint")]
    Task RequestCheckpoint(long checkpointId);

    /// <summary>A source: checkpoint <paramref name="checkpointId"/>, which covers its input up to <paramref name="position"/>, completed.</summary>
    [AlwaysInterleave, Alias("checkpoint-completed")]
    Task CheckpointCompleted(long checkpointId, byte[] position);

    /// <summary>A sink: commit what its transactional writer pre-committed at checkpoint <paramref name="checkpointId"/>.</summary>
    [AlwaysInterleave, Alias("commit")]
    Task Commit(long checkpointId, byte[] preCommitState);

    /// <summary>A sink: recover its transactional writer to the checkpoint the query resumes from (null: none).</summary>
    [AlwaysInterleave, Alias("recover-sink")]
    Task RecoverSink(long? checkpointId, byte[]? preCommitState);

    /// <summary>Starts reading, if the instance is a source (every instance of the query has started).</summary>
    [Alias("run")]
    Task Run();

    /// <summary>
    /// Cameo scheduling: only puts the message in the grain's priority mailbox; the grain's pump
    /// processes it when the silo's turn scheduler says so. Interleaves with everything.
    /// </summary>
    [OneWay, AlwaysInterleave, Alias("push")]
    Task Push(Envelope envelope);

    /// <summary>Plain Orleans (<c>orleans-default</c>): processes messages in the order Orleans delivers them.</summary>
    [OneWay, Alias("push-in-order")]
    Task PushInOrder(Envelope envelope);

    /// <summary>
    /// Instance <paramref name="receiver"/> acknowledges this instance's messages: how many arrived and
    /// were processed (cumulative, so a lost acknowledgement is repaired by the next), with its latest
    /// costs (reply context); the credits of the newly processed ones come back.
    /// </summary>
    [OneWay, AlwaysInterleave, Alias("ack")]
    Task Ack(int receiver, DeliveryProgress progress);

    /// <summary>
    /// Where this instance stands with <paramref name="sender"/>'s messages: the sender's watchdog asks
    /// when it has seen no progress for a while, then sends again what did not arrive.
    /// </summary>
    [AlwaysInterleave, Alias("progress")]
    Task<DeliveryProgress> Progress(int sender);

    /// <summary>True if the instance still holds its state (false: it was re-activated after its silo died).</summary>
    [AlwaysInterleave, Alias("probe")]
    Task<bool> Probe();

    /// <summary>A one-line account of the instance's queues, credits and turn, for diagnostics.</summary>
    [AlwaysInterleave, Alias("describe")]
    Task<string> Describe();

    /// <summary>Stops reading (sources); windows flush and the query completes.</summary>
    [AlwaysInterleave, Alias("stop")]
    Task Stop();

    /// <summary>The query is over (completed or failed): drop what is queued and let the grain deactivate.</summary>
    [OneWay, AlwaysInterleave, Alias("retire")]
    Task Retire();

    /// <summary>
    /// Retires the instance (its incarnation was rolled back) and, for a source, waits until its
    /// reader has stopped and closed, so that no read of it overlaps the next incarnation's.
    /// </summary>
    [AlwaysInterleave, Alias("quiesce")]
    Task Quiesce();
}

/// <summary>A query's coordinator; keyed by the query's cluster-wide key.</summary>
[Alias("cameo.query")]
public interface IQueryGrain : IGrainWithStringKey
{
    /// <summary>Starts every instance (spread over the active silos), then the sources.</summary>
    [Alias("deploy")]
    Task<QueryStatus> Deploy(QuerySpec spec);

    /// <summary>The query's status with its last <see cref="QueryGrain.DefaultResults"/> results.</summary>
    [Alias("status")]
    Task<QueryStatus> Status();

    /// <summary>The query's status with up to its last <paramref name="results"/> results (at most <see cref="QueryGrain.KeptResults"/>).</summary>
    [Alias("status-results")]
    Task<QueryStatus> Status(int results);

    [Alias("stop")]
    Task Stop();

    [OneWay, Alias("sink-ended")]
    Task SinkEnded(int index, int epoch);

    /// <summary>An instance of incarnation <paramref name="epoch"/> failed (ignored if that incarnation was rolled back).</summary>
    [OneWay, Alias("failed")]
    Task Failed(string where, string error, int epoch);

    /// <summary>
    /// Instance <paramref name="index"/> of incarnation <paramref name="epoch"/> was found without its
    /// state (re-activated after its silo died): a checkpointed query rolls back, any other fails.
    /// </summary>
    [OneWay, Alias("instance-lost")]
    Task InstanceLost(int index, int epoch, string why);

    /// <summary>Instance <paramref name="instance"/> of incarnation <paramref name="epoch"/> saved its part of checkpoint <paramref name="checkpointId"/>.</summary>
    [AlwaysInterleave, Alias("acknowledge")]
    Task Acknowledge(int epoch, long checkpointId, int instance, byte[] state);

    /// <summary>Instance <paramref name="instance"/> of incarnation <paramref name="epoch"/> has sent its end; its final state stands for it in later checkpoints.</summary>
    [AlwaysInterleave, Alias("ended")]
    Task Ended(int epoch, int instance, byte[] finalState, bool source);

    [OneWay, Alias("results")]
    Task Results(long count, string[] recent);
}

/// <summary>The cluster's list of queries (a single grain, key 0).</summary>
[Alias("cameo.directory")]
public interface IQueryDirectoryGrain : IGrainWithIntegerKey
{
    [Alias("add")]
    Task Add(string key, string name);

    [Alias("list")]
    Task<string[]> List();
}
