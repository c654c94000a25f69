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

/// <summary>Sums a selected value.</summary>
public sealed class SumAggregate<T>(Func<T, double> selector) : IAggregate<T, double, double>
{
    public double Create() => 0;
    public double Add(double accumulator, T item) => accumulator + selector(item);
    public double Result(double accumulator) => accumulator;
}

/// <summary>Smallest selected value.</summary>
public sealed class MinAggregate<T>(Func<T, double> selector) : IAggregate<T, double, double>
{
    public double Create() => double.PositiveInfinity;
    public double Add(double accumulator, T item) => Math.Min(accumulator, selector(item));
    public double Result(double accumulator) => accumulator;
}

/// <summary>Largest selected value.</summary>
public sealed class MaxAggregate<T>(Func<T, double> selector) : IAggregate<T, double, double>
{
    public double Create() => double.NegativeInfinity;
    public double Add(double accumulator, T item) => Math.Max(accumulator, selector(item));
    public double Result(double accumulator) => accumulator;
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
