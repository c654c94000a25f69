namespace Cameo.Operators;

/// <summary>
/// An operator whose watermark firings can run in slices: a host advances its watermark, then asks
/// it for the results that watermark released a budget at a time, so that a firing with many results
/// never holds a worker for long. Emitting every slice at once is the same as
/// <see cref="Operator{TIn,TOut}.OnWatermark"/>, result for result and in the same order.
/// </summary>
/// <typeparam name="TOut">The operator's result type.</typeparam>
public interface IResumableFiring<TOut>
{
    /// <summary>
    /// Event time has progressed to <paramref name="watermark"/> on every input: from now on records
    /// at or below it are late, and the windows it closes are due, to be emitted by <see cref="Fire"/>.
    /// </summary>
    void Advance(long watermark);

    /// <summary>
    /// Emits the results of due windows that end at or before <paramref name="upTo"/>, oldest window
    /// first, one per unit of <paramref name="budget"/> (which it decrements), until none is left or
    /// the budget is spent.
    /// </summary>
    /// <returns>True if no result of a window ending at or before <paramref name="upTo"/> remains.</returns>
    bool Fire(long upTo, IOutput<TOut> output, ref int budget);
}
