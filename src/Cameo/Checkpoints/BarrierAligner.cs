using Cameo.Messages;

namespace Cameo.Checkpoints;

/// <summary>
/// Aligns the barriers of one operator instance's input channels (exactly-once alignment): once a
/// channel has delivered the barrier of a checkpoint, what comes after it on that channel is held
/// back until every other open channel has delivered the same barrier, so that the instance's state
/// covers exactly the records before the barriers. The instance then saves its state, passes the
/// barrier on, and processes the held messages in the order they came. Not thread-safe: used by
/// its instance, one message at a time.
/// </summary>
/// <param name="channels">The instance's input channels (a self-addressed channel beyond them is never held).</param>
public sealed class BarrierAligner(int channels)
{
    private readonly bool[] _blocked = new bool[channels];
    private readonly Queue<Message> _held = new();
    private int _blockedCount;

    /// <summary>The checkpoint being aligned, or -1.</summary>
    public long Checkpoint { get; private set; } = -1;

    /// <summary>Keeps <paramref name="message"/> for later if its channel has delivered the current barrier.</summary>
    /// <returns>True if the message is held (the caller must not process or release it).</returns>
    public bool Holds(Message message)
    {
        if (_blockedCount == 0) return false;
        int channel = message.Channel;
        if (channel >= _blocked.Length || !_blocked[channel]) return false;
        _held.Enqueue(message);
        return true;
    }

    /// <summary>Channel <paramref name="channel"/> delivered the barrier of <paramref name="checkpointId"/>: it is blocked until alignment.</summary>
    public void OnBarrier(int channel, long checkpointId)
    {
        if (Checkpoint != checkpointId)
        {
            if (Checkpoint >= 0)
                throw new InvalidOperationException($"The barrier of checkpoint {checkpointId} arrived while checkpoint {Checkpoint} was being aligned.");
            Checkpoint = checkpointId;
        }
        if (_blocked[channel]) throw new InvalidOperationException($"Channel {channel} delivered the barrier of checkpoint {checkpointId} twice.");
        _blocked[channel] = true;
        _blockedCount++;
    }

    /// <summary>True when a checkpoint is being aligned and every channel has delivered its barrier or ended.</summary>
    public bool IsAligned(Func<int, bool> ended)
    {
        if (Checkpoint < 0) return false;
        for (int c = 0; c < _blocked.Length; c++)
            if (!_blocked[c] && !ended(c)) return false;
        return true;
    }

    /// <summary>Ends the alignment: unblocks every channel and hands over the held messages, oldest first.</summary>
    public Queue<Message> Release()
    {
        Array.Clear(_blocked);
        _blockedCount = 0;
        Checkpoint = -1;
        var held = new Queue<Message>(_held);
        _held.Clear();
        return held;
    }
}
