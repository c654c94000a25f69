namespace Cameo.Operators;

/// <summary>Keeps the records that satisfy a predicate.</summary>
public sealed class WhereOperator<T>(Func<T, bool> predicate) : Operator<T, T>
{
    public override void OnRecords(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, IOutput<T> output)
    {
        for (int i = 0; i < items.Length; i++)
            if (predicate(items[i])) output.Emit(items[i], timestamps[i]);
    }
}

/// <summary>Maps each record to one result, keeping its event time.</summary>
public sealed class SelectOperator<TIn, TOut>(Func<TIn, TOut> selector) : Operator<TIn, TOut>
{
    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++) output.Emit(selector(items[i]), timestamps[i]);
    }
}

/// <summary>Maps each record to any number of results, all stamped with the record's event time.</summary>
public sealed class SelectManyOperator<TIn, TOut>(Func<TIn, IEnumerable<TOut>> selector) : Operator<TIn, TOut>
{
    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
            foreach (var result in selector(items[i])) output.Emit(result, timestamps[i]);
    }
}

/// <summary>Keeps the records of type <typeparamref name="TOut"/>, cast to it, with their event times.</summary>
public sealed class OfTypeOperator<TIn, TOut> : Operator<TIn, TOut>
{
    public override void OnRecords(ReadOnlySpan<TIn> items, ReadOnlySpan<long> timestamps, IOutput<TOut> output)
    {
        for (int i = 0; i < items.Length; i++)
            if (items[i] is TOut match) output.Emit(match, timestamps[i]);
    }
}

/// <summary>Passes every record on unchanged: the operator of a union of streams and of a side output's stream.</summary>
public sealed class PassOperator<T> : Operator<T, T>
{
    public override void OnRecords(ReadOnlySpan<T> items, ReadOnlySpan<long> timestamps, IOutput<T> output)
    {
        for (int i = 0; i < items.Length; i++) output.Emit(items[i], timestamps[i]);
    }
}
