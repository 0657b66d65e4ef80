using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.IntegrationTests.Opencode;

/// <summary>
/// The install script's locking, with a fake npm (no network) that is slow enough for installs to overlap. Both lock
/// flavours are covered: flock, and the mkdir lock used where flock is missing (PATH without flock).
/// </summary>
public sealed class OpencodeInstallLockIntegrationTests
{
    private const string FakeNpm = """
        #!/bin/sh
        # Fake npm: records each run, then lays out node_modules/.bin/opencode like the real package.
        prefix=; spec=
        while [ $# -gt 0 ]; do
          case $1 in --prefix) prefix=$2; shift ;; opencode-ai@*) spec=$1 ;; esac
          shift
        done
        echo run >> "$FAKE_NPM_LOG"
        sleep 1
        mkdir -p "$prefix/node_modules/.bin"
        printf '#!/bin/sh\necho %s\n' "${spec#opencode-ai@}" > "$prefix/node_modules/.bin/opencode"
        chmod 755 "$prefix/node_modules/.bin/opencode"
        """;

    private static async Task<(string FakeBin, string NoFlockBin, string Log)> PrepareAsync(OpencodeTestBed bed, CancellationToken cancellationToken)
    {
        var fakeBin = Directory.CreateDirectory(Path.Combine(bed.Root, "fake-bin")).FullName;
        var npm = Path.Combine(fakeBin, "npm");
        await File.WriteAllTextAsync(npm, FakeNpm, cancellationToken);
        File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // Every tool of /usr/bin except flock, so the script has to fall back to its mkdir lock.
        var noFlock = Directory.CreateDirectory(Path.Combine(bed.Root, "no-flock-bin")).FullName;
        foreach (var tool in Directory.EnumerateFiles("/usr/bin").Where(f => Path.GetFileName(f) != "flock"))
        {
            File.CreateSymbolicLink(Path.Combine(noFlock, Path.GetFileName(tool)), tool);
        }

        return (fakeBin, noFlock, Path.Combine(bed.Root, "npm.log"));
    }

    private static HostCommand Install(string cacheRoot, string path, string log, string suffix) =>
        HostCommand.Shell(OpencodeInstallScripts.Install, cacheRoot, "7.7.7", suffix) with
        {
            WorkingDirectory = "/",
            Environment = new Dictionary<string, string?> { ["PATH"] = path, ["FAKE_NPM_LOG"] = log },
        };

    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(120_000)]
    public async Task InstallScript_TwoAtOnce_NpmRunsOnceAndBothGetTheBinary(bool withoutFlock, CancellationToken cancellationToken)
    {
        // Arrange
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("lock-" + withoutFlock, cancellationToken);
        var (fakeBin, noFlock, log) = await PrepareAsync(bed, cancellationToken);
        var path = fakeBin + ":" + (withoutFlock ? noFlock : "/usr/bin:/bin");
        var cacheRoot = Path.Combine(bed.Root, "cache");

        // Act
        var results = await Task.WhenAll(
            host.RunCommandAsync(Install(cacheRoot, path, log, "aaaa"), cancellationToken),
            host.RunCommandAsync(Install(cacheRoot, path, log, "bbbb"), cancellationToken));

        // Assert
        var expected = $"cache={cacheRoot}/opencode-ai/7.7.7/node_modules/.bin/opencode\n";
        Assert.That(results.Select(r => r.ExitCode), Is.All.Zero, string.Join("\n", results.Select(r => r.StandardError)));
        Assert.That(results.Select(r => r.StandardOutput), Is.All.EqualTo(expected));
        Assert.That(await File.ReadAllLinesAsync(log, cancellationToken), Has.Length.EqualTo(1), "the second install waited and found the first one's result");
        var entries = Directory.EnumerateFileSystemEntries(Path.Combine(cacheRoot, "opencode-ai")).Select(Path.GetFileName).ToList();
        Assert.That(entries, Does.Contain("7.7.7"));
        Assert.That(entries, Has.None.StartsWith(".tmp-"));
        Assert.That(entries, Has.None.EqualTo(".lock.d"), "the mkdir lock is released");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task InstallScript_StaleMkdirLockOfDeadProcess_IsTakenOver(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("lock-stale", cancellationToken);
        var (fakeBin, noFlock, log) = await PrepareAsync(bed, cancellationToken);
        var cacheRoot = Path.Combine(bed.Root, "cache");
        var lockDir = Directory.CreateDirectory(Path.Combine(cacheRoot, "opencode-ai", ".lock.d")).FullName;
        await File.WriteAllTextAsync(Path.Combine(lockDir, "pid"), "2147483000\n", cancellationToken);
        Directory.CreateDirectory(Path.Combine(cacheRoot, "opencode-ai", ".tmp-7.7.7-dead"));

        var result = await host.RunCommandAsync(Install(cacheRoot, fakeBin + ":" + noFlock, log, "cccc"), cancellationToken);

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        Assert.That(Directory.Exists(lockDir), Is.False);
        Assert.That(Directory.Exists(Path.Combine(cacheRoot, "opencode-ai", ".tmp-7.7.7-dead")), Is.False, "leftovers of killed installs are removed");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task InstallScript_BinaryPrintsOtherVersion_FailsAndDiscardsTheInstall(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("lock-verify", cancellationToken);
        var (fakeBin, _, log) = await PrepareAsync(bed, cancellationToken);
        var cacheRoot = Path.Combine(bed.Root, "cache");
        // Make the fake npm install a binary that prints a different version.
        var npm = Path.Combine(fakeBin, "npm");
        await File.WriteAllTextAsync(npm, FakeNpm.Replace("${spec#opencode-ai@}", "0.0.1", StringComparison.Ordinal), cancellationToken);

        var result = await host.RunCommandAsync(Install(cacheRoot, fakeBin + ":/usr/bin:/bin", log, "dddd"), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(OpencodeInstallScripts.VerifyFailedExitCode));
        Assert.That(result.StandardError, Does.Contain("expected 7.7.7"));
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(cacheRoot, "opencode-ai")).Select(Path.GetFileName), Is.EquivalentTo(new[] { ".lock" }));
    }
}
