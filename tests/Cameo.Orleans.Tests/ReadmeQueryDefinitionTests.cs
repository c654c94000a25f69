using Cameo.Orleans.Deployment;
using Cameo.TestSupport;
using MyQueries;

namespace Cameo.Orleans.Tests;

/// <summary>The README's query definition is tests/Cameo.TestQueries/ClicksPerCampaign.cs, verbatim, and it works.</summary>
public sealed class ReadmeQueryDefinitionTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cameo-readme-definition-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void The_readme_shows_the_query_definition_exactly_as_it_compiles()
    {
        string definition = ReadmeText.RepositoryFile("tests", "Cameo.TestQueries", "ClicksPerCampaign.cs");
        Assert.Contains(definition, ReadmeText.CSharpBlocks("Dashboard and cluster queries"));
    }

    [Fact]
    public async Task The_readme_definition_is_discovered_and_counts_clicks_per_campaign()
    {
        Assert.Contains(typeof(ClicksPerCampaign), QueryDefinitions.TypesIn(typeof(ClicksPerCampaign).Assembly));
        string input = Path.Combine(_dir.FullName, "clicks.jsonl"), output = Path.Combine(_dir.FullName, "counts.jsonl");
        File.WriteAllLines(input, [.. Enumerable.Range(0, 30).Select(i => $$"""{"campaign":"{{(i % 3 == 0 ? "a" : "b")}}","timeMs":{{i * 1000}}}""")]);
        await using (var engine = new CameoEngine())
        {
            engine.AddQuery(new ClicksPerCampaign(), new Dictionary<string, string> { ["in"] = input, ["out"] = output });
            await engine.RunAsync();
        }
        // 30 clicks one second apart, every third of campaign a: three 10 s windows.
        var counts = File.ReadAllLines(output)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<Operators.WindowResult<string, long>>(l, System.Text.Json.JsonSerializerOptions.Web))
            .Select(r => $"{r.Key} {r.Start / 1000}-{r.End / 1000} s: {r.Value}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(["a 0-10 s: 4", "a 10-20 s: 3", "a 20-30 s: 3", "b 0-10 s: 6", "b 10-20 s: 7", "b 20-30 s: 7"], counts);
    }
}
