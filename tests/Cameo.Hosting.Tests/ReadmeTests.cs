using Cameo.TestSupport;

namespace Cameo.Hosting.Tests;

/// <summary>The README's section on services shows the sample's code as it is (the sample builds with the solution).</summary>
public class ReadmeTests
{
    [Fact]
    public void The_code_of_the_section_In_a_NET_service_is_the_samples_code()
    {
        string samples = string.Concat(Directory.GetFiles(Path.Combine(ReadmeText.RepositoryRoot(), "samples", "HostedQueries"), "*.cs")
            .Select(f => File.ReadAllText(f).ReplaceLineEndings("\n")));
        var blocks = ReadmeText.CSharpBlocks("In a .NET service");
        Assert.Equal(2, blocks.Count);
        Assert.All(blocks, block => Assert.Contains(block, samples, StringComparison.Ordinal));
    }
}
