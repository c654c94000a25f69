namespace Cameo.Progress;

/// <summary>
/// A query's forecast of event arrivals over all its sources: each source instance registers one
/// <see cref="FrontierEstimator"/> as it is created, and routers ask the forecast, through
/// <see cref="IFrontierSource"/>, when the event that will close a window is expected. An output
/// that needs progress from every source is released by the latest of them, so the forecast is
/// the maximum (this is how joins take the later frontier of their inputs).
/// </summary>
/// <remarks>
/// Sources register from whichever thread creates them (an Orleans silo creates its grains' hosts
/// as they activate), while routers already read: the estimators are kept in an array replaced
/// whole on each registration, so a reader always sees a complete one without locking.
/// </remarks>
public sealed class QueryFrontier : IFrontierSource
{
    private readonly Lock _registering = new();
    private FrontierEstimator[] _sources = [];

    /// <summary>The estimators registered so far.</summary>
    public IReadOnlyList<FrontierEstimator> Sources => Volatile.Read(ref _sources);

    /// <summary>Registers a new source instance and returns the estimator it must teach.</summary>
    public FrontierEstimator AddSource()
    {
        var estimator = new FrontierEstimator();
        lock (_registering) Volatile.Write(ref _sources, [.. _sources, estimator]);
        return estimator;
    }

    public long ExpectedArrival(long eventTimeMs)
    {
        var sources = Volatile.Read(ref _sources);
        long max = long.MinValue;
        foreach (var source in sources)
        {
            long e = source.ExpectedArrival(eventTimeMs);
            if (e > max) max = e;
        }
        return max;
    }
}
