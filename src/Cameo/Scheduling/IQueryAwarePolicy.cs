namespace Cameo.Scheduling;

/// <summary>
/// A policy with user-defined scheduling state per query (the paper's "user-defined scheduling
/// state"): the engine tells it about each query, with the query's weight, before the query's
/// first message is ranked. Policies that rank from the message context alone do not implement it.
/// </summary>
public interface IQueryAwarePolicy
{
    /// <summary>
    /// Query <paramref name="queryId"/> is deployed with <paramref name="weight"/> (see
    /// <see cref="QueryBuilder.WithWeight"/>); any state kept under that id starts afresh.
    /// </summary>
    void AddQuery(int queryId, double weight);
}
