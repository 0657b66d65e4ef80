using System.Runtime.CompilerServices;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.ExtensionTests.Hosts;

/// <content>Work-directory files (no symbolic link followed) and following a file by polling.</content>
internal sealed partial class ShellHost
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public override Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var path = Walk(relativePath, create: false);
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.SymbolicLink);
        }

        if (Directory.Exists(path))
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
        }

        return info.Exists
            ? Task.FromResult<Stream>(info.OpenRead())
            : throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotFound);
    }

    public override async Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfDisposed();
        var path = Walk(relativePath, create: true);
        if (Directory.Exists(path) && new FileInfo(path).LinkTarget is null)
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
        }

        // The rename replaces a symlink at the target; it never writes through it.
        await WriteAtomicallyAsync(Path.GetDirectoryName(path)!, Path.GetFileName(path), content, mode ?? PrivateFile, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        ThrowIfDisposed();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisposalToken);
        var assembler = new LineAssembler();
        var lines = new List<FollowedLine>();
        var buffer = new byte[64 * 1024];
        FileStream? stream = null;
        try
        {
            while (true)
            {
                linked.Token.ThrowIfCancellationRequested();
                stream ??= File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
                var read = stream is null ? 0 : await stream.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
                assembler.Append(buffer.AsSpan(0, read), lines);
                foreach (var line in lines)
                {
                    yield return line;
                }

                lines.Clear();
                if (read == 0)
                {
                    await Task.Delay(PollInterval, linked.Token).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Checks every directory on the way for symbolic links (creating missing ones); returns the final path.</summary>
    private string Walk(string relativePath, bool create)
    {
        var names = WorkdirRelativePath.Split(relativePath);
        var current = WorkDirectory;
        foreach (var name in names[..^1])
        {
            current = Path.Combine(current, name);
            if (new FileInfo(current).LinkTarget is not null)
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.SymbolicLink);
            }

            if (File.Exists(current))
            {
                throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotRegularFile);
            }

            if (!Directory.Exists(current))
            {
                _ = create ? Directory.CreateDirectory(current, PrivateDirectory) : throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.NotFound);
            }
        }

        return Path.Combine(current, names[^1]);
    }
}
