using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.IntegrationTests.Hosting;

[TestFixture]
public sealed class SshHostArchiveTests : SshHostTestBase
{
    [Test]
    [CancelAfter(120_000)]
    public async Task ArchiveThenRestore_RoundTripsTheWorkdirAndHonoursExclusions(CancellationToken cancellationToken)
    {
        var work = Host.WorkDirectory;
        var binary = RandomNumberGenerator.GetBytes(1024 * 1024);
        Directory.CreateDirectory(Path.Combine(work, "src", "deep dir 'x'"));
        Directory.CreateDirectory(Path.Combine(work, "empty"));
        Directory.CreateDirectory(Path.Combine(work, ".git"));
        Directory.CreateDirectory(Path.Combine(work, "sub", "node_modules"));
        await File.WriteAllBytesAsync(Path.Combine(work, "src", "deep dir 'x'", "data $1.bin"), binary, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "AGENTS.md"), "# agents\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, ".opencode-password"), "secret", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "sub", ".opencode-password"), "not the real one", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, ".git", "HEAD"), "ref", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "sub", "node_modules", "x.js"), "x", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(work, "sub", "cache.pyc"), "x", cancellationToken);
        File.CreateSymbolicLink(Path.Combine(work, "link"), "AGENTS.md");

        var archive = new MemoryStream();
        await Host.ArchiveWorkdirAsync(archive, WorkdirExclusions.Defaults, cancellationToken);
        archive.Position = 0;
        var names = await EntryNamesAsync(archive, cancellationToken);

        Assert.That(names, Does.Contain("./src/deep dir 'x'/data $1.bin"));
        Assert.That(names, Does.Contain("./empty/"));
        Assert.That(names, Does.Contain("./sub/.opencode-password"), "only the root password file is excluded");
        Assert.That(names.Where(n => n.Contains(".git") || n.Contains("node_modules") || n.EndsWith(".pyc") || n == "./.opencode-password"), Is.Empty);

        // Replace the workdir contents, then restore.
        Directory.Delete(Path.Combine(work, "src"), recursive: true);
        await File.WriteAllTextAsync(Path.Combine(work, "junk.txt"), "junk", cancellationToken);
        archive.Position = 0;
        await Host.RestoreWorkdirAsync(archive, cancellationToken);

        Assert.That(await File.ReadAllBytesAsync(Path.Combine(work, "src", "deep dir 'x'", "data $1.bin"), cancellationToken), Is.EqualTo(binary));
        Assert.That(File.Exists(Path.Combine(work, "junk.txt")), Is.False, "restore empties the workdir first");
        Assert.That(File.Exists(Path.Combine(work, ".opencode-password")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(work, "empty")), Is.True);
        Assert.That(new FileInfo(Path.Combine(work, "link")).LinkTarget, Is.EqualTo("AGENTS.md"));
        Assert.That(File.GetUnixFileMode(work), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ArchiveWorkdir_EmptyExcludeList_KeepsEverythingButTheRootPassword(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(Host.WorkDirectory, ".git"));
        await File.WriteAllTextAsync(Path.Combine(Host.WorkDirectory, ".git", "HEAD"), "ref", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Host.WorkDirectory, ".opencode-password"), "secret", cancellationToken);

        var archive = new MemoryStream();
        await Host.ArchiveWorkdirAsync(archive, [], cancellationToken);
        archive.Position = 0;

        Assert.That(await EntryNamesAsync(archive, cancellationToken), Is.EquivalentTo(new[] { "./", "./.git/", "./.git/HEAD" }));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task RestoreWorkdir_NotAnArchive_IsRejectedBeforeReachingTheHost(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(Host.WorkDirectory, "kept.txt"), "x", cancellationToken);

        await Assert.ThrowsAsync<InvalidDataException>(() => Host.RestoreWorkdirAsync(new MemoryStream("not gzip"u8.ToArray()), cancellationToken));

        Assert.That(File.Exists(Path.Combine(Host.WorkDirectory, "kept.txt")), Is.True, "the work directory was left alone");
    }

    private static async Task<List<string>> EntryNamesAsync(Stream archive, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        await using var reader = new TarReader(gzip);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}
