using System.Text;
using System.Text.RegularExpressions;

namespace Opencode.Sessions.IntegrationTests.Packaging;

/// <summary>One <c>```csharp</c> block of a markdown file: its number, its first line in the file and its lines.</summary>
internal sealed record ReadmeSnippet(int Number, int FirstLine, IReadOnlyList<string> Lines)
{
    /// <summary>Gets the file line of the block's last code line.</summary>
    public int LastLine => FirstLine + Lines.Count - 1;

    /// <summary>Gets a label for failure messages, e.g. <c>snippet 3 (README.md lines 120–141)</c>.</summary>
    public string Label => $"snippet {Number} (README.md lines {FirstLine}–{LastLine})";
}

/// <summary>
/// Extracts the C# examples of the README and wraps each into a compilable file of a Worker project: the example's
/// <c>using</c> directives are hoisted to the top of its own file, the rest becomes the body of
/// <c>static async Task RunAsync(...)</c> whose parameters are the few names an example may take from the code around
/// it (<see cref="ProvidedNames"/>). <c>#line</c> directives map every compiler error back to the README's line.
/// </summary>
internal static partial class ReadmeSnippets
{
    /// <summary>The names an example may use without defining them (documented in the README's "Building and testing").</summary>
    public static readonly IReadOnlyList<(string Type, string Name)> ProvidedNames =
    [
        ("CancellationToken", "cancellationToken"),
        ("string", "connectionString"),
        ("string", "apiKey"),
        ("string", "workdir"),
        ("string", "password"),
    ];

    /// <summary>Finds the README.md of the repository by walking up from <paramref name="start"/>.</summary>
    public static string FindReadme(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var readme = Path.Combine(directory.FullName, "README.md");
            if (File.Exists(readme) && File.Exists(Path.Combine(directory.FullName, "Opencode.Sessions.sln")))
            {
                return readme;
            }
        }

        throw new FileNotFoundException($"No README.md next to Opencode.Sessions.sln above {start}.");
    }

    /// <summary>Returns every <c>```csharp</c> block of <paramref name="markdown"/>, numbered from 1.</summary>
    public static IReadOnlyList<ReadmeSnippet> Extract(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var snippets = new List<ReadmeSnippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Trim().Equals("```csharp", StringComparison.Ordinal))
            {
                continue;
            }

            // A sketch of the reader's own code (a store or host they write) is marked by an HTML comment on the line
            // before its fence, `<!-- sketch: why -->`, and is not compiled.
            if (i > 0 && lines[i - 1].TrimStart().StartsWith("<!-- sketch:", StringComparison.Ordinal))
            {
                continue;
            }

            var body = new List<string>();
            var firstLine = i + 2; // 1-based number of the line after the fence
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            if (i >= lines.Length)
            {
                throw new FormatException($"The ```csharp block that starts on README.md line {firstLine - 1} is never closed.");
            }

            snippets.Add(new ReadmeSnippet(snippets.Count + 1, firstLine, body));
        }

        return snippets;
    }

    /// <summary>Wraps <paramref name="snippet"/> into the text of a C# file whose errors point at <paramref name="readmePath"/>.</summary>
    public static string Wrap(ReadmeSnippet snippet, string readmePath)
    {
        var file = new StringBuilder();
        var body = new List<string>(snippet.Lines.Count);
        foreach (var (line, index) in snippet.Lines.Select((line, index) => (line, index)))
        {
            if (UsingDirective().IsMatch(line))
            {
                file.Append("#line ").Append(snippet.FirstLine + index).Append(" \"").Append(readmePath).AppendLine("\"");
                file.AppendLine(line);
                body.Add(string.Empty); // keeps the body's lines where the README has them
            }
            else
            {
                body.Add(line);
            }
        }

        var parameters = string.Join(", ", ProvidedNames.Select(p => $"{p.Type} {p.Name}"));
        file.AppendLine("#line default")
            .AppendLine("namespace ReadmeExamples;")
            .AppendLine()
            .AppendLine($"// {snippet.Label}")
            .AppendLine($"internal static class Snippet{snippet.Number}")
            .AppendLine("{")
            .AppendLine($"    internal static async Task RunAsync({parameters})")
            .AppendLine("    {")
            .Append("#line ").Append(snippet.FirstLine).Append(" \"").Append(readmePath).AppendLine("\"");
        foreach (var line in body)
        {
            file.AppendLine(line);
        }

        return file.AppendLine("#line default")
            .AppendLine("        await Task.CompletedTask;")
            .AppendLine("    }")
            .AppendLine("}")
            .ToString();
    }

    /// <summary>Names the snippet each <c>README.md(line,col): error …</c> line of <paramref name="buildOutput"/> belongs to.</summary>
    public static string Attribute(string buildOutput, IReadOnlyList<ReadmeSnippet> snippets)
    {
        var errors = buildOutput.ReplaceLineEndings("\n").Split('\n')
            .Where(line => line.Contains("error", StringComparison.OrdinalIgnoreCase))
            .Select(line => line.Trim())
            .Distinct(StringComparer.Ordinal)
            .Select(line =>
            {
                var match = ReadmeLocation().Match(line);
                var snippet = match.Success
                    ? snippets.FirstOrDefault(s => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) is var n
                        && n >= s.FirstLine && n <= s.LastLine)
                    : null;
                return snippet is null ? line : $"{snippet.Label}: {line}";
            });
        return string.Join("\n", errors);
    }

    // using Name.Space;  using static Name.Space.Type;  using Alias = Name.Space.Type;  (not: using var x = …;)
    [GeneratedRegex(@"^\s*using\s+(static\s+)?([A-Za-z_]\w*\s*=\s*)?[A-Za-z_][\w.]*\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"README\.md\((\d+),\d+\)")]
    private static partial Regex ReadmeLocation();
}
