using Opencode.Sessions.Internal;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>Locates the opencode executable the integration tests use (installed by <c>./build.sh test</c>).</summary>
internal static class TestOpencode
{
    /// <summary>Environment variable that points the tests at a specific opencode executable.</summary>
    public const string Variable = "OPENCODE_SESSIONS_TEST_OPENCODE";

    /// <summary>Gets the absolute path of opencode, or fails the test with the setup command to run.</summary>
    public static string ExecutablePath
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(Variable);
            if (!string.IsNullOrEmpty(fromEnv))
            {
                return File.Exists(fromEnv) ? fromEnv : Fail($"{Variable}={fromEnv} does not exist.");
            }

            var prefix = Path.Combine(TaskPaths.CacheRoot(), "opencode-ai", OpencodeTaskConfig.DefaultOpencodeVersion, "node_modules");
            foreach (var candidate in new[] { "opencode-linux-x64/bin/opencode", "opencode-linux-x64-baseline/bin/opencode", "opencode-linux-arm64/bin/opencode", ".bin/opencode" })
            {
                var path = Path.Combine(prefix, candidate);
                if (File.Exists(path))
                {
                    return path;
                }
            }

            return Fail($"opencode {OpencodeTaskConfig.DefaultOpencodeVersion} is not installed under {prefix}.");
        }
    }

    private static string Fail(string why)
    {
        Assert.Fail($"{why} Run ./build.sh test (it installs opencode into the library's cache), or set {Variable}.");
        return "";
    }
}
