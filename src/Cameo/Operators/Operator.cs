namespace Cameo.Operators;

/// <summary>
/// Pure operator logic with one input. An instance is only ever called by one thread at a time and
/// never needs to know by which runtime, so it holds its state in plain fields. It must not read
/// clocks, start threads or block.
/// </summary>
public abstract class Operator<TIn, TOut>
{
    /// <summary>Processes a batch of records.</summary>
    public abstract void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output);

    /// <summary>Event time has progressed to <paramref name="watermark"/> on every input.</summary>
    public virtual void OnWatermark(long watermark, IOutput<TOut> output) { }

    /// <summary>Records that arrived behind the watermark, after their windows had closed.</summary>
    public long LateRecords { get; protected set; }

    /// <summary>Where late records go, if the query asked for them as a stream (set by the host before the first record).</summary>
    public IOutput<TIn>? LateOutput { get; set; }

    /// <summary>Counts a late record and hands it to <see cref="LateOutput"/>, if any.</summary>
    protected void Late(TIn item, long timestamp)
    {
        LateRecords++;
        LateOutput?.Emit(item, timestamp);
    }
}

/// <summary>Pure operator logic with two inputs (left on port 0, right on port 1).</summary>
public abstract class BinaryOperator<TLeft, TRight, TOut>
{
    public abstract void OnLeft(ReadOnlySpan<TLeft> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output);

    public abstract void OnRight(ReadOnlySpan<TRight> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output);

    /// <summary>Event time has progressed to <paramref name="watermark"/> on both inputs.</summary>
    public virtual void OnWatermark(long watermark, IOutput<TOut> output) { }

    /// <inheritdoc cref="Operator{TIn,TOut}.LateRecords"/>
    public long LateRecords { get; protected set; }

    /// <summary>Where late left records go, if the query asked for them as a stream.</summary>
    public IOutput<TLeft>? LateLeftOutput { get; set; }

    /// <summary>Where late right records go, if the query asked for them as a stream.</summary>
    public IOutput<TRight>? LateRightOutput { get; set; }
}
