using System.Text.RegularExpressions;

namespace Cameo.TestSupport;

/// <summary>
/// The README's code blocks and the code they must show, for the tests that keep the README true:
/// compiled into each test project as a linked file (tests/Shared).
/// </summary>
public static partial class ReadmeText
{
    /// <summary>The directory holding README.md and Cameo.slnx, found by walking up from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "README.md")) && File.Exists(Path.Combine(dir.FullName, "Cameo.slnx")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No README.md next to Cameo.slnx above {AppContext.BaseDirectory}.");
    }

    /// <summary>A file of the repository (a path relative to its root), with <c>\n</c> line endings.</summary>
    public static string RepositoryFile(params string[] path) =>
        File.ReadAllText(Path.Combine([RepositoryRoot(), .. path])).ReplaceLineEndings("\n");

    /// <summary>The <c>```csharp</c> blocks of the README section headed <c>## <paramref name="heading"/></c>, up to the next such heading.</summary>
    public static IReadOnlyList<string> CSharpBlocks(string heading)
    {
        string readme = RepositoryFile("README.md");
        int start = readme.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '## {heading}'");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = readme[start..(end < 0 ? readme.Length : end)];
        return [.. CSharpBlock().Matches(section).Select(m => m.Groups[1].Value)];
    }

    /// <summary>
    /// Asserts that the first <c>```csharp</c> block of the README section <paramref name="heading"/>
    /// (less the lines <paramref name="hidden"/> leaves out: usings and types the test declares elsewhere)
    /// is the code between the lines <c>// {marker} begin</c> and <c>// {marker} end</c> of the repository
    /// file <paramref name="source"/>, white space aside.
    /// </summary>
    public static void AssertShowsMarkedCode(string heading, string marker, string[] source, Func<string, bool>? hidden = null)
    {
        var blocks = CSharpBlocks(heading);
        Assert.True(blocks.Count > 0, $"the README's section '## {heading}' has no ```csharp block");
        string shown = string.Join('\n', blocks[0].Split('\n').Where(line => hidden?.Invoke(line) != true));
        string file = RepositoryFile(source);
        int begin = file.IndexOf($"// {marker} begin\n", StringComparison.Ordinal), end = file.IndexOf($"// {marker} end", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, $"the markers '// {marker} begin' and '// {marker} end' are missing from {string.Join('/', source)}");
        string marked = file[(begin + marker.Length + 10)..end];
        Assert.Equal(Normalize(marked), Normalize(shown));
    }

    private static string Normalize(string code) => WhiteSpace().Replace(code, " ").Trim();

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
