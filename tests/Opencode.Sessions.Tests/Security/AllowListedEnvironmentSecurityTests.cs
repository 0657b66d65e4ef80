using System.Diagnostics;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Tests.Snapshots;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Security;

/// <summary>
/// Escape 0: opencode (and so the agent) starts from an allow-listed environment, not the job runner's. These run the
/// real prelude with /bin/sh on this machine, starting from this process's environment plus a unique secret, as
/// <see cref="LocalHost"/> does.
/// </summary>
[TestFixture]
[Category("Security")]
public sealed class AllowListedEnvironmentSecurityTests
{
    private readonly string _secretName = "OCS_ESCAPE0_SECRET_" + Guid.NewGuid().ToString("N");
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(30_000)]
    public async Task Escape0_JobRunnerSecret_DoesNotReachOpencode(CancellationToken cancellationToken)
    {
        var env = OpencodeEnvironment.Build(_temp.Path, isolateHome: true, new Dictionary<string, string?> { ["MY_PROVIDER_KEY"] = "configured" });

        var seen = await RunPreludeAsync(env, cancellationToken);

        Assert.That(seen.Keys, Has.None.EqualTo(_secretName), "a secret of the job runner reached opencode's environment");
        Assert.That(seen.Keys, Has.None.EqualTo("SNAPSHOT_KEY"));
        Assert.That(seen["MY_PROVIDER_KEY"], Is.EqualTo("configured"), "the configured Environment is passed");
        Assert.That(seen[LeftoverProcesses.MarkerVariable], Is.EqualTo(_temp.Path));
        Assert.That(seen["HOME"], Is.EqualTo(OpencodeEnvironment.HomeDirectory(_temp.Path)));
        Assert.That(seen["OPENCODE_DB"], Is.EqualTo(OpencodeEnvironment.DatabasePath(_temp.Path)));
        Assert.That(seen["PATH"], Does.StartWith(OpencodeEnvironment.RunDirectory(_temp.Path) + "/bin:").And.Contain("/usr/bin"));
        Assert.That(seen["LANG"], Is.EqualTo("C.UTF-8"), "locale is allow-listed");
        Assert.That(seen["LC_ALL"], Is.EqualTo("C.UTF-8"), "LC_* is allow-listed");
        Assert.That(seen["TZ"], Is.EqualTo("UTC"));
        Assert.That(seen.Keys, Has.None.EqualTo(OpencodeEnvironment.KeepVariable), "the keep list is consumed by the prelude");
        Assert.That(seen.Keys.Where(k => !k.StartsWith("OPENCODE_", StringComparison.Ordinal)), Is.SubsetOf(
            OpencodeEnvironment.AllowListedNames.Concat(["MY_PROVIDER_KEY", "BROWSER", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "PWD", "LC_ALL", "LC_CTYPE"])));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Escape0_InheritEnvironment_IsAnExplicitOptIn(CancellationToken cancellationToken)
    {
        var env = OpencodeEnvironment.Build(_temp.Path, isolateHome: true, null, inheritEnvironment: true);

        var seen = await RunPreludeAsync(env, cancellationToken);

        Assert.That(seen[_secretName], Is.EqualTo("leaked"));
        Assert.That(seen.Keys, Has.None.EqualTo("OPENCODE_SERVER_PASSWORD"), "the credentials are still the launch script's alone");
    }

    [Test]
    public void Escape0_InheritEnvironment_DefaultsToFalse() =>
        Assert.That(new OpencodeTaskConfig().InheritEnvironment, Is.False);

    [Test]
    [CancelAfter(30_000)]
    public async Task Escape0_NoIsolation_KeepsTheRunnersHome(CancellationToken cancellationToken)
    {
        var env = OpencodeEnvironment.Build(_temp.Path, isolateHome: false, null);

        var seen = await RunPreludeAsync(env, cancellationToken);

        Assert.That(seen["HOME"], Is.EqualTo("/home/escape0"));
        Assert.That(seen.Keys, Has.None.EqualTo(_secretName));
    }

    /// <summary>Runs the prelude then <c>env -0</c> with /bin/sh, from this process's environment plus the secret.</summary>
    private async Task<Dictionary<string, string>> RunPreludeAsync(IReadOnlyDictionary<string, string?> env, CancellationToken cancellationToken)
    {
        var info = LocalHost.CreateStartInfo("/bin/sh", ["-c", OpencodeEnvironment.ShellPrelude + "exec env -0", "sh", OpencodeEnvironment.RunDirectory(_temp.Path)], _temp.Path, null);
        info.Environment[_secretName] = "leaked";
        info.Environment["SNAPSHOT_KEY"] = "c2VjcmV0";
        info.Environment["OPENCODE_SERVER_PASSWORD"] = "inherited-password";
        info.Environment["LANG"] = "C.UTF-8";
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment["TZ"] = "UTC";
        info.Environment["HOME"] = "/home/escape0";
        info.Environment["READONLY_TRAP"] = "x\nPATH=/evil";
        foreach (var (key, value) in env)
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.That(process.ExitCode, Is.Zero, error);
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }
}
