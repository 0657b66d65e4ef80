using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Tests.Snapshots;

/// <summary>A fresh directory under the temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ocs-snapshot-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

/// <summary>Builds tar.gz archives in memory, including hostile ones.</summary>
internal static class TestArchives
{
    public static byte[] Build(params TarEntry[] entries)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                tar.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static PaxTarEntry File(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)), Mode = (UnixFileMode)0x1A4 };

    public static PaxTarEntry Directory(string name) => new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED };

    public static PaxTarEntry Symlink(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static PaxTarEntry HardLink(string name, string target) => new(TarEntryType.HardLink, name) { LinkName = target };

    public static PaxTarEntry Special(TarEntryType type, string name) => new(type, name);

    /// <summary>Lists the entry names of a tar.gz.</summary>
    public static List<string> Names(byte[] archive)
    {
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}

/// <summary>An <see cref="IHost"/> double over two local directories, archiving with the real <see cref="WorkdirArchiver"/>.</summary>
internal static class DirectoryHost
{
    public static Mock<IHost> Create(string taskDirectory)
    {
        var workDirectory = Path.Combine(taskDirectory, "workdir");
        Directory.CreateDirectory(workDirectory);
        var host = new Mock<IHost>(MockBehavior.Strict);
        host.SetupGet(h => h.DisplayName).Returns("test host");
        host.SetupGet(h => h.TaskDirectory).Returns(taskDirectory);
        host.SetupGet(h => h.WorkDirectory).Returns(workDirectory);
        host.Setup(h => h.OpenReadAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string path, CancellationToken _) => Task.FromResult<Stream>(System.IO.File.OpenRead(path)));
        host.Setup(h => h.WriteFileAsync(It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<UnixFileMode?>(), It.IsAny<CancellationToken>()))
            .Returns(async (string path, Stream content, UnixFileMode? _, CancellationToken token) =>
            {
                // Atomic like the real hosts: no partial target, and no temporary file left after a failure.
                var temporary = path + ".tmp";
                try
                {
                    await using (var file = System.IO.File.Create(temporary))
                    {
                        await content.CopyToAsync(file, token);
                    }

                    System.IO.File.Move(temporary, path, overwrite: true);
                }
                finally
                {
                    System.IO.File.Delete(temporary);
                }
            });
        host.Setup(h => h.RemoveFileAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string path, CancellationToken _) =>
            {
                System.IO.File.Delete(path);
                return Task.CompletedTask;
            });
        host.Setup(h => h.ArchiveWorkdirAsync(It.IsAny<Stream>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()))
            .Returns((Stream destination, IReadOnlyList<string> exclude, CancellationToken token) =>
                WorkdirArchiver.WriteAsync(workDirectory, destination, exclude, NullLogger.Instance, token));
        host.Setup(h => h.RestoreWorkdirAsync(It.IsAny<Stream>(), It.IsAny<CancellationToken>()))
            .Returns((Stream source, CancellationToken token) => WorkdirArchiver.ExtractAsync(source, workDirectory, NullLogger.Instance, token));
        return host;
    }
}
