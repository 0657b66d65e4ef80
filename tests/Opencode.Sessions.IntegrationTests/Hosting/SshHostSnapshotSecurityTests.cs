using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Tests.Security;

namespace Opencode.Sessions.IntegrationTests.Hosting;

/// <summary>Issue 8 restore misbehaviours over SSH (GNU tar on the host): portable symlinks and restore limits.</summary>
[TestFixture]
[Category("Security")]
public sealed class SshHostSnapshotSecurityTests : SshHostTestBase
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Test]
    [CancelAfter(240_000)]
    public async Task RestoreLimits_Ssh_AbsoluteSymlinkInsideTheWorkdir_RestoresUnderAnotherTaskRoot(CancellationToken cancellationToken)
    {
        // Arrange: the agent links with absolute paths into its own work directory on the host.
        var work = Host.WorkDirectory;
        Directory.CreateDirectory(Path.Combine(work, "sub", "deeper"));
        await File.WriteAllTextAsync(Path.Combine(work, "data.txt"), "data", cancellationToken);
        File.CreateSymbolicLink(Path.Combine(work, "top-link"), Path.Combine(work, "data.txt"));
        File.CreateSymbolicLink(Path.Combine(work, "sub", "deeper", "nested-link"), Path.Combine(work, "data.txt"));
        var archive = new MemoryStream();
        await Host.ArchiveWorkdirAsync(archive, [], cancellationToken);

        // Act: another worker with another task root restores it.
        var otherRoot = Directory.CreateTempSubdirectory("ocs-ssh-other-root-").FullName;
        try
        {
            await using var other = new SshHost(Server.CreateConfig(remoteTaskRoot: otherRoot), "proc-1");
            await other.ConnectAsync(cancellationToken);
            await other.SetupWorkdirAsync(cancellationToken);
            archive.Position = 0;
            await other.RestoreWorkdirAsync(archive, cancellationToken);

            // Assert
            Assert.That(new FileInfo(Path.Combine(other.WorkDirectory, "top-link")).LinkTarget, Is.EqualTo("data.txt"));
            Assert.That(new FileInfo(Path.Combine(other.WorkDirectory, "sub", "deeper", "nested-link")).LinkTarget, Is.EqualTo("../../data.txt"));
            Assert.That(await File.ReadAllTextAsync(Path.Combine(other.WorkDirectory, "sub", "deeper", "nested-link"), cancellationToken), Is.EqualTo("data"));
        }
        finally
        {
            Directory.Delete(otherRoot, recursive: true);
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RestoreLimits_Ssh_GzipBombOfZeros_FailsOnTheRatioBeforeTheDiskFills(CancellationToken cancellationToken)
    {
        // Arrange: about 1 MiB of gzip declaring 1 GiB of zeros, stored as a snapshot.
        var store = new InMemorySnapshotStore();
        var bomb = ZeroBomb.Build("zeros.bin", 1L << 30);
        var record = await store.SaveAsync(
            new SnapshotDraft { SnapshotId = SnapshotDraft.NewSnapshotId(T0), ProcessId = "proc-1", CapturedAt = T0, EndState = SnapshotEndState.Done, SessionId = "ses_1" },
            (sink, token) => sink.WriteAsync("{}"u8.ToArray(), token).AsTask(),
            (sink, token) => sink.WriteAsync(bomb, token).AsTask(),
            cancellationToken);
        var service = new SnapshotService(store, null, false, [], 5, null);

        // Act
        var ex = await Assert.ThrowsAsync<WorkdirRestoreLimitException>(() => service.RestoreAsync(Host, record, (_, _) => Task.CompletedTask, cancellationToken));

        // Assert
        Assert.That(ex!.Limit, Is.EqualTo(nameof(WorkdirRestoreLimits.MaxExpansionRatio)));
        var written = Directory.EnumerateFiles(Host.WorkDirectory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.That(written, Is.LessThanOrEqualTo(WorkdirRestoreLimits.ExpansionRatioGraceBytes + (16L << 20)));
    }
}
