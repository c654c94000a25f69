using System.Numerics;

namespace Cameo.Operators;

/// <summary>
/// An incremental aggregate: an accumulator is created per key and window, each record is added,
/// and the result is read when the window closes. Structs as accumulators keep the hot path free of
/// allocations.
/// </summary>
public interface IAggregate<in TIn, TAcc, out TOut>
{
    TAcc Create();
    TAcc Add(TAcc accumulator, TIn item);
    TOut Result(TAcc accumulator);
}

/// <summary>Counts records.</summary>
public sealed class CountAggregate<T> : IAggregate<T, long, long>
{
    public long Create() => 0;
    public long Add(long accumulator, T item) => accumulator + 1;
    public long Result(long accumulator) => accumulator;
}

/// <summary>Sums a selected value in its own numeric type (a <c>long</c> sum stays exact beyond 2^53).</summary>
public sealed class SumAggregate<T, TNum>(Func<T, TNum> selector) : IAggregate<T, TNum, TNum>
    where TNum : INumber<TNum>
{
    public TNum Create() => TNum.Zero;
    public TNum Add(TNum accumulator, T item) => accumulator + selector(item);
    public TNum Result(TNum accumulator) => accumulator;
}

/// <summary>Smallest selected value, in its own numeric type.</summary>
public sealed class MinAggregate<T, TNum>(Func<T, TNum> selector) : IAggregate<T, (bool Any, TNum Value), TNum>
    where TNum : INumber<TNum>
{
    public (bool Any, TNum Value) Create() => (false, TNum.Zero);
    public (bool Any, TNum Value) Add((bool Any, TNum Value) accumulator, T item)
    {
        var v = selector(item);
        return (true, accumulator.Any ? TNum.Min(accumulator.Value, v) : v);
    }
    public TNum Result((bool Any, TNum Value) accumulator) => accumulator.Value;
}

/// <summary>Largest selected value, in its own numeric type.</summary>
public sealed class MaxAggregate<T, TNum>(Func<T, TNum> selector) : IAggregate<T, (bool Any, TNum Value), TNum>
    where TNum : INumber<TNum>
{
    public (bool Any, TNum Value) Create() => (false, TNum.Zero);
    public (bool Any, TNum Value) Add((bool Any, TNum Value) accumulator, T item)
    {
        var v = selector(item);
        return (true, accumulator.Any ? TNum.Max(accumulator.Value, v) : v);
    }
    public TNum Result((bool Any, TNum Value) accumulator) => accumulator.Value;
}

/// <summary>The distinct selected values of a window (in no particular order).</summary>
public sealed class DistinctAggregate<T, TValue>(Func<T, TValue> selector) : IAggregate<T, HashSet<TValue>, TValue[]>
{
    public HashSet<TValue> Create() => [];
    public HashSet<TValue> Add(HashSet<TValue> accumulator, T item)
    {
        accumulator.Add(selector(item));
        return accumulator;
    }
    public TValue[] Result(HashSet<TValue> accumulator) => [.. accumulator];
}

/// <summary>
/// The <c>n</c> records of a window with the largest (or, if not <paramref name="descending"/>, smallest)
/// selected value, best first; ties keep the record that came first.
/// </summary>
public sealed class TopNAggregate<T, TBy>(int n, Func<T, TBy> by, bool descending) : IAggregate<T, List<T>, T[]>
{
    private readonly Comparer<TBy> _order = Comparer<TBy>.Default;

    public List<T> Create() => [];
    public List<T> Add(List<T> accumulator, T item)
    {
        var key = by(item);
        int i = accumulator.Count;
        while (i > 0 && Better(key, by(accumulator[i - 1]))) i--;
        if (i >= n) return accumulator;
        accumulator.Insert(i, item);
        if (accumulator.Count > n) accumulator.RemoveAt(n);
        return accumulator;
    }
    public T[] Result(List<T> accumulator) => [.. accumulator];

    private bool Better(TBy a, TBy b)
    {
        int c = _order.Compare(a, b);
        return descending ? c > 0 : c < 0;
    }
}

/// <summary>Arithmetic mean of a selected value.</summary>
public sealed class AverageAggregate<T>(Func<T, double> selector) : IAggregate<T, (double Sum, long Count), double>
{
    public (double Sum, long Count) Create() => (0, 0);
    public (double Sum, long Count) Add((double Sum, long Count) accumulator, T item) => (accumulator.Sum + selector(item), accumulator.Count + 1);
    public double Result((double Sum, long Count) accumulator) => accumulator.Count == 0 ? double.NaN : accumulator.Sum / accumulator.Count;
}

/// <summary>A user-defined aggregate from three functions, like LINQ's <c>Aggregate</c>.</summary>
public sealed class DelegateAggregate<TIn, TAcc, TOut>(Func<TAcc> seed, Func<TAcc, TIn, TAcc> add, Func<TAcc, TOut> result) : IAggregate<TIn, TAcc, TOut>
{
    public TAcc Create() => seed();
    public TAcc Add(TAcc accumulator, TIn item) => add(accumulator, item);
    public TOut Result(TAcc accumulator) => result(accumulator);
}
