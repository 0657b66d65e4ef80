using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace Opencode.Sessions.IntegrationTests.Packaging;

/// <summary>
/// Tries the shipped packages the way a new user on .NET 8 would: packs Opencode.Sessions, Opencode.Sessions.PostgreSql
/// and Opencode.Sessions.Testing into a temporary feed, then restores and builds a net8.0 console app that pins
/// Microsoft.Extensions.Logging.Abstractions 8.0.2 and references all three. The net8.0 target must not lift the app
/// off .NET 8's Microsoft.Extensions (NU1605 "detected package downgrade" when it does) nor warn about dependency
/// constraints (NU1608); every Microsoft.Extensions.* package in the app's graph stays on 8.0.x.
/// </summary>
/// <remarks>
/// The packages get a unique prerelease version (<c>0.0.0-test.&lt;timestamp&gt;</c>) and their build output goes to a
/// temporary artifacts folder, so the repository's bin/obj are untouched; the versions extracted into the global
/// packages folder are deleted afterwards (everything else there is reused, nothing is downloaded again).
/// </remarks>
[TestFixture]
[Category("Packaging")]
[NonParallelizable]
public sealed class Net8ConsumerTests
{
    private static readonly string[] ShippedProjects =
    [
        "src/Opencode.Sessions/Opencode.Sessions.csproj",
        "src/Opencode.Sessions.PostgreSql/Opencode.Sessions.PostgreSql.csproj",
        "src/Opencode.Sessions.Testing/Opencode.Sessions.Testing.csproj",
    ];

    private string _root = null!;
    private string _version = null!;

    [SetUp]
    public void CreateTemporaryFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), "ocs-packaging-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_root);
        _version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)
            + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    }

    [TearDown]
    public void RemoveTemporaryFiles()
    {
        TryDelete(_root);
        var globalPackages = GlobalPackagesFolder();
        foreach (var project in ShippedProjects)
        {
            var id = Path.GetFileNameWithoutExtension(project).ToLowerInvariant();
            TryDelete(Path.Combine(globalPackages, id, _version));
        }
    }

    [Test]
    [CancelAfter(1_200_000)]
    public async Task Net8App_PinningLoggingAbstractions802_RestoresAndBuildsWithoutDowngrade(CancellationToken cancellationToken)
    {
        var repository = FindRepositoryRoot();
        var feed = Path.Combine(_root, "feed");
        await PackAsync(repository, feed, cancellationToken);

        var app = Path.Combine(_root, "app");
        WriteConsumer(repository, app, feed);

        var restore = await DotnetCli.RunAsync(app, ["restore", "-nologo", "--disable-build-servers"], cancellationToken);
        Assert.That(restore.Output, Does.Not.Contain("NU1605").And.Not.Contain("NU1608"), restore.Output);
        Assert.That(restore.ExitCode, Is.Zero, restore.Output);

        var build = await DotnetCli.RunAsync(app, ["build", "--no-restore", "-nologo", "-c", "Release", "--disable-build-servers"], cancellationToken);
        Assert.That(build.Output, Does.Not.Contain("NU1605").And.Not.Contain("NU1608"), build.Output);
        Assert.That(build.ExitCode, Is.Zero, build.Output);

        var extensions = ResolvedPackages(Path.Combine(app, "obj", "project.assets.json"))
            .Where(p => p.Id.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.That(extensions, Has.Some.Matches<(string Id, string Version)>(p => p.Id == "Microsoft.Extensions.Logging.Abstractions" && p.Version == "8.0.2"));
        Assert.That(extensions, Has.All.Matches<(string Id, string Version)>(p => p.Version.StartsWith("8.0.", StringComparison.Ordinal)),
            "a net8.0 app stays on .NET 8's Microsoft.Extensions: " + string.Join(", ", extensions));
    }

    /// <summary>One <c>dotnet pack</c> of the three shipped projects (a solution filter), output to a temporary folder.</summary>
    private async Task PackAsync(string repository, string feed, CancellationToken cancellationToken)
    {
        var filter = Path.Combine(_root, "shipped.slnf");
        var solution = new { solution = new { path = Path.Combine(repository, "Opencode.Sessions.sln"), projects = ShippedProjects } };
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(solution), cancellationToken);

        var pack = await DotnetCli.RunAsync(repository,
        [
            "pack", filter, "-nologo", "-c", "Release", "-o", feed, "--disable-build-servers", "-clp:ErrorsOnly",
            "-p:Version=" + _version,
            "-p:UseArtifactsOutput=true", "-p:ArtifactsPath=" + Path.Combine(_root, "artifacts") + "/",
        ], cancellationToken);
        Assert.That(pack.ExitCode, Is.Zero, "dotnet pack failed:\n" + pack.Output);
        foreach (var project in ShippedProjects)
        {
            var package = Path.Combine(feed, $"{Path.GetFileNameWithoutExtension(project)}.{_version}.nupkg");
            Assert.That(File.Exists(package), Is.True, $"{package} was not packed:\n{pack.Output}");
        }
    }

    /// <summary>A net8.0 console app, isolated from any Directory.*.props above it, with the feed plus the repository's sources.</summary>
    private void WriteConsumer(string repository, string app, string feed)
    {
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(_root, "Directory.Build.props"),
            "<Project><PropertyGroup><ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps></PropertyGroup></Project>");
        File.WriteAllText(Path.Combine(_root, "Directory.Build.targets"), "<Project />");

        var sources = XDocument.Load(Path.Combine(repository, "nuget.config")).Descendants("packageSources").Elements("add");
        var config = new XDocument(new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "opencode-sessions-under-test"), new XAttribute("value", feed)),
                sources)));
        config.Save(Path.Combine(app, "nuget.config"));

        File.WriteAllText(Path.Combine(app, "Net8Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net8.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.Extensions.Logging.Abstractions" Version="8.0.2" />
                <PackageReference Include="Opencode.Sessions" Version="{_version}" />
                <PackageReference Include="Opencode.Sessions.PostgreSql" Version="{_version}" />
                <PackageReference Include="Opencode.Sessions.Testing" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.Extensions.Logging.Abstractions;
            using Opencode.Sessions.Diagnostics;
            using Opencode.Sessions.PostgreSql;
            using Opencode.Sessions.Testing;

            Console.WriteLine(OpencodeSessionsTelemetry.ActivitySourceName);
            Console.WriteLine(typeof(PostgreSqlSnapshotStoreOptions).Assembly.GetName().Name);
            Console.WriteLine(typeof(InMemorySnapshotStore).Assembly.GetName().Name);
            Console.WriteLine(NullLogger.Instance.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
            """);
    }

    /// <summary>The packages restore resolved for net8.0 (the "libraries" of project.assets.json, "Id/Version").</summary>
    private static List<(string Id, string Version)> ResolvedPackages(string assetsFile)
    {
        using var assets = JsonDocument.Parse(File.ReadAllText(assetsFile));
        return assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name.Split('/'))
            .Select(parts => (parts[0], parts[1]))
            .ToList();
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Opencode.Sessions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Opencode.Sessions.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }

    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder must not fail the test.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
