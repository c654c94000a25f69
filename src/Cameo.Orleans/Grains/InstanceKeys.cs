namespace Cameo.Orleans.Grains;

/// <summary>
/// The key of an instance grain: <c>{query key}/{index}</c> in a query's first incarnation,
/// <c>{query key}/{index}.{epoch}</c> in later ones (after each rollback to a checkpoint), so that the
/// instances of a new incarnation are fresh activations, placed on the surviving silos, and
/// nothing addressed to an earlier one reaches them.
/// </summary>
public static class InstanceKeys
{
    /// <summary>The key of instance <paramref name="index"/> of query <paramref name="query"/> in incarnation <paramref name="epoch"/>.</summary>
    public static string Of(string query, int index, int epoch) => epoch == 0 ? $"{query}/{index}" : $"{query}/{index}.{epoch}";

    /// <summary>The query key, index and incarnation of an instance grain key.</summary>
    public static bool TryParse(string key, out string query, out int index, out int epoch)
    {
        query = "";
        index = epoch = 0;
        int slash = key.LastIndexOf('/');
        if (slash < 0) return false;
        query = key[..slash];
        var tail = key.AsSpan(slash + 1);
        int dot = tail.IndexOf('.');
        return dot < 0 ? int.TryParse(tail, out index) : int.TryParse(tail[..dot], out index) && int.TryParse(tail[(dot + 1)..], out epoch);
    }
}
