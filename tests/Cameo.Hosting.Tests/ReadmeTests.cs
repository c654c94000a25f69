using System.Text.RegularExpressions;

namespace Cameo.Hosting.Tests;

/// <summary>The README's section on services shows the sample's code as it is (the sample builds with the solution).</summary>
public partial class ReadmeTests
{
    [Fact]
    public void The_code_of_the_section_In_a_NET_service_is_the_samples_code()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Cameo.slnx"))) root = root.Parent ?? throw new InvalidOperationException("No Cameo.slnx above the test's directory.");
        string readme = File.ReadAllText(Path.Combine(root.FullName, "README.md")).ReplaceLineEndings("\n");
        int start = readme.IndexOf("## In a .NET service", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no section 'In a .NET service'");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = readme[start..(end < 0 ? readme.Length : end)];
        string samples = string.Concat(Directory.GetFiles(Path.Combine(root.FullName, "samples", "HostedQueries"), "*.cs")
            .Select(f => File.ReadAllText(f).ReplaceLineEndings("\n")));

        var blocks = CSharpBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.All(blocks, block => Assert.Contains(block, samples, StringComparison.Ordinal));
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
