using System.Security;

namespace Opencode.Sessions.IntegrationTests.Packaging;

/// <summary>
/// A throw-away .NET Worker project (Microsoft.NET.Sdk.Worker, net10.0, implicit usings on, so
/// <c>Microsoft.Extensions.Hosting</c> is in scope everywhere) that references the repository's packages by absolute
/// <c>ProjectReference</c> and is built with <c>dotnet build</c>. It lives in a temp directory, shielded from the
/// repository's Directory.Build.props, and is deleted on dispose.
/// </summary>
internal sealed class WorkerProject : IDisposable
{
    private static readonly string[] ReferencedProjects =
    [
        "src/Opencode.Sessions/Opencode.Sessions.csproj",
        "src/Opencode.Sessions.PostgreSql/Opencode.Sessions.PostgreSql.csproj",
        "src/Opencode.Sessions.Testing/Opencode.Sessions.Testing.csproj",
    ];

    public WorkerProject(string repositoryRoot)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("ocs-worker-").FullName;
        var references = string.Join(
            "\n",
            ReferencedProjects.Select(p => $"    <ProjectReference Include=\"{SecurityElement.Escape(Path.Combine(repositoryRoot, p))}\" />"));
        Write("Directory.Build.props", "<Project />\n"); // nothing from above the temp directory applies
        Write("Directory.Build.targets", "<Project />\n");
        File.Copy(Path.Combine(repositoryRoot, "nuget.config"), Path.Combine(Directory, "nuget.config"));
        Write("EmbedderWorker.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk.Worker">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- CS1998: a wrapped example without await; the wrapper, not the example, makes it a method. -->
                <NoWarn>$(NoWarn);CS1998</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.14" />
                <PackageReference Include="OpenTelemetry.Extensions.Hosting" Version="1.21.0" />
              </ItemGroup>
              <ItemGroup>
            {references}
              </ItemGroup>
            </Project>
            """);
        Write("Program.cs", """
            IHost host = Host.CreateApplicationBuilder(args).Build();
            host.Run();
            """);
    }

    /// <summary>Gets the project's directory.</summary>
    public string Directory { get; }

    /// <summary>Writes a source (or any) file of the project.</summary>
    public void Write(string relativePath, string content) =>
        File.WriteAllText(Path.Combine(Directory, relativePath), content);

    /// <summary>Runs <c>dotnet build -c Release -v:q -nologo</c> and returns its exit code and output.</summary>
    public Task<(int ExitCode, string Output)> BuildAsync(CancellationToken cancellationToken) =>
        DotnetCli.RunAsync(Directory, ["build", "-c", "Release", "-v:q", "-nologo", "--disable-build-servers", "-clp:NoSummary"], cancellationToken);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
