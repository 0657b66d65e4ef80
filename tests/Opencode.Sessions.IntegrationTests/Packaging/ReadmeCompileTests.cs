namespace Opencode.Sessions.IntegrationTests.Packaging;

/// <summary>
/// Issue 9 item 9: the README's examples compile as written in an ordinary .NET Worker project, where
/// <c>Microsoft.Extensions.Hosting</c> (and its <c>IHost</c>) is imported everywhere, and configuring SSH does not need
/// the namespace of the library's own <c>IHost</c>.
/// </summary>
[TestFixture]
[Category("Packaging")]
[NonParallelizable]
public sealed class ReadmeCompileTests
{
    private const int BuildTimeoutMs = 600_000;

    private static string Readme => ReadmeSnippets.FindReadme(TestContext.CurrentContext.TestDirectory);

    private static string RepositoryRoot => Path.GetDirectoryName(Readme)!;

    [Test]
    public void Extract_FindsEveryCSharpBlockOfTheReadme()
    {
        // Arrange
        var markdown = File.ReadAllText(Readme);
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var fences = lines.Count(l => l.Trim() == "```csharp");
        var sketches = lines.Zip(lines.Skip(1)).Count(p => p.First.TrimStart().StartsWith("<!-- sketch:", StringComparison.Ordinal) && p.Second.Trim() == "```csharp");

        // Act
        var snippets = ReadmeSnippets.Extract(markdown);

        // Assert: every block but the marked sketches of the reader's own code is found, none is empty, and the
        // examples the README promises are among them.
        Assert.That(sketches, Is.LessThanOrEqualTo(3), "sketches are the exception: an example a reader copies must compile");
        Assert.That(snippets, Has.Count.EqualTo(fences - sketches).And.Count.GreaterThanOrEqualTo(7));
        Assert.That(snippets.Select(s => s.Lines.Count(l => l.Trim().Length > 0)), Has.All.GreaterThan(0));
        Assert.That(snippets.SelectMany(s => s.Lines), Has.Some.Contains("new SshConfig("));
    }

    [Test]
    [CancelAfter(BuildTimeoutMs)]
    public async Task ReadmeExamples_CompileAsWrittenInAWorkerProject(CancellationToken cancellationToken)
    {
        // Arrange: each example becomes its own file of a Worker project, its usings hoisted to the file's top.
        var readme = Readme;
        var snippets = ReadmeSnippets.Extract(File.ReadAllText(readme));
        using var project = new WorkerProject(RepositoryRoot);
        foreach (var snippet in snippets)
        {
            project.Write($"ReadmeSnippet{snippet.Number}.cs", ReadmeSnippets.Wrap(snippet, readme));
        }

        // Act
        var (exitCode, output) = await project.BuildAsync(cancellationToken);

        // Assert
        Assert.That(
            exitCode,
            Is.Zero,
            $"The README's C# examples do not compile in a Worker project (names provided to every example: "
            + $"{string.Join(", ", ReadmeSnippets.ProvidedNames.Select(p => p.Name))}):\n"
            + ReadmeSnippets.Attribute(output, snippets) + "\n--- full build output ---\n" + output);
    }

    [Test]
    [CancelAfter(BuildTimeoutMs)]
    public async Task HostingContractNamespace_NextToMicrosoftHosting_MakesIHostAmbiguous(CancellationToken cancellationToken)
    {
        // Arrange: what a new user got when SshConfig lived in Opencode.Sessions.Hosting. This proves the build above
        // catches the clash: the check is not blind to it.
        using var project = new WorkerProject(RepositoryRoot);
        project.Write("Embedder.cs", """
            using Opencode.Sessions.Hosting;

            namespace Embedder;

            internal static class Startup
            {
                internal static IHost Build(string[] args) => Host.CreateApplicationBuilder(args).Build();
            }
            """);

        // Act
        var (exitCode, output) = await project.BuildAsync(cancellationToken);

        // Assert
        Assert.That(exitCode, Is.Not.Zero, output);
        Assert.That(output, Does.Contain("CS0104").And.Contain("IHost"), output);
    }

    [Test]
    [CancelAfter(BuildTimeoutMs)]
    public async Task SshNamespace_NextToMicrosoftHosting_CompilesWithUnqualifiedIHost(CancellationToken cancellationToken)
    {
        // Arrange: an embedder imports every namespace it needs to configure and run tasks, none of them the host
        // contract's, and uses .NET's IHost unqualified in the same file.
        using var project = new WorkerProject(RepositoryRoot);
        project.Write("Embedder.cs", """
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;
            using Opencode.Sessions;
            using Opencode.Sessions.Conversations;
            using Opencode.Sessions.Hosting.Ssh;
            using Opencode.Sessions.Launching;
            using Opencode.Sessions.Opencode;
            using Opencode.Sessions.PostgreSql;
            using Opencode.Sessions.Snapshots;

            namespace Embedder;

            internal static class Startup
            {
                internal static IHost Build(string[] args)
                {
                    var ssh = new SshConfig("build-7.internal") { User = "agent", HostKeyPolicy = SshHostKeyPolicy.Verify };
                    var builder = Host.CreateApplicationBuilder(args);
                    builder.Services.AddSingleton(new OpencodeTaskConfig { Ssh = ssh, Model = "anthropic/claude-sonnet-4-5" });
                    IHost host = builder.Build();
                    return host;
                }
            }
            """);

        // Act
        var (exitCode, output) = await project.BuildAsync(cancellationToken);

        // Assert
        Assert.That(exitCode, Is.Zero, output);
    }
}
