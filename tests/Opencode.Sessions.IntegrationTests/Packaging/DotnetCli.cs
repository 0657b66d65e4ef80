using System.Diagnostics;
using System.Text;

namespace Opencode.Sessions.IntegrationTests.Packaging;

/// <summary>Runs the .NET CLI as a new user would, outside the test run's own MSBuild state.</summary>
internal static class DotnetCli
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> and returns its exit code and its merged output.</summary>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <param name="arguments">The arguments, each passed as one argv entry.</param>
    /// <param name="cancellationToken">Kills the process tree when cancelled.</param>
    /// <returns>The exit code and standard output followed by standard error.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The test host runs under `dotnet test`, whose MSBuild variables would steer the child's MSBuild.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, new StringBuilder(await stdout).Append(await stderr).ToString());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
