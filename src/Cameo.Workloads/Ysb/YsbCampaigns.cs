namespace Cameo.Workloads.Ysb;

/// <summary>
/// The YSB setup data, the table that stands in for Redis: campaigns of ads, all named by UUID
/// strings, and the ad → campaign mapping the query joins against. Built deterministically from a
/// seed, so a generator and a query built with the same seed agree on every id.
/// </summary>
public sealed class YsbCampaigns
{
    /// <summary>YSB's defaults: 100 campaigns.</summary>
    public const int DefaultCampaigns = 100;

    /// <summary>YSB's defaults: 10 ads per campaign.</summary>
    public const int DefaultAdsPerCampaign = 10;

    private readonly Dictionary<Guid, int> _adIndex;
    private readonly int[] _campaignOfAd;

    /// <param name="seed">Derives every id.</param>
    /// <param name="campaigns">Number of campaigns.</param>
    /// <param name="adsPerCampaign">Ads in each campaign.</param>
    public YsbCampaigns(int seed, int campaigns = DefaultCampaigns, int adsPerCampaign = DefaultAdsPerCampaign)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(campaigns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(adsPerCampaign, 1);
        var random = new Random(seed);
        CampaignIds = [.. Enumerable.Range(0, campaigns).Select(_ => NewUuid(random).ToString())];
        var adGuids = Enumerable.Range(0, campaigns * adsPerCampaign).Select(_ => NewUuid(random)).ToArray();
        AdIds = [.. adGuids.Select(g => g.ToString())];
        _campaignOfAd = [.. Enumerable.Range(0, AdIds.Count).Select(ad => ad / adsPerCampaign)];
        _adIndex = adGuids.Select((g, i) => (g, i)).ToDictionary(p => p.g, p => p.i);
    }

    /// <summary>Campaign UUIDs, by campaign index.</summary>
    public IReadOnlyList<string> CampaignIds { get; }

    /// <summary>Ad UUIDs, by ad index.</summary>
    public IReadOnlyList<string> AdIds { get; }

    /// <summary>The campaign of ad <paramref name="adIndex"/> (the YSB join; a lookup, no allocation).</summary>
    public int CampaignOf(int adIndex) => _campaignOfAd[adIndex];

    /// <summary>The index of the ad with UUID <paramref name="adId"/>, or -1 if the table does not know it.</summary>
    public int AdIndexOf(Guid adId) => _adIndex.TryGetValue(adId, out int i) ? i : -1;

    /// <summary>A random version-4 UUID drawn from <paramref name="random"/> (so it is reproducible).</summary>
    internal static Guid NewUuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return FromBytes(bytes);
    }

    /// <summary>A version-4 UUID from 16 random bytes.</summary>
    internal static Guid FromBytes(Span<byte> bytes)
    {
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (Guid's little-endian layout puts it in byte 7)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes);
    }
}
