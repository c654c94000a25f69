using Cameo;
using Cameo.Operators;

namespace MyQueries;

public sealed record Click(string Campaign, long TimeMs);

public sealed class ClicksPerCampaign : IQueryDefinition
{
    public string Name => "clicks-per-campaign";
    public TimeSpan LatencyTarget => TimeSpan.FromSeconds(1);
    public string Description => "clicks per campaign in 10 s windows; --param in=FILE --param out=FILE";

    public void Define(QueryBuilder query, IReadOnlyDictionary<string, string> parameters) => query
        .From(Source.JsonLines<Click>(parameters["in"]))
        .WithEventTime(c => c.TimeMs, maxOutOfOrderness: TimeSpan.FromSeconds(2))
        .KeyBy(c => c.Campaign)
        .Window(TimeSpan.FromSeconds(10))
        .Count()
        .To(Sink.JsonLines<WindowResult<string, long>>(parameters["out"]));
}
