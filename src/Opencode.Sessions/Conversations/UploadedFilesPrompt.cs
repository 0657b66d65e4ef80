using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// The prompt for a message with attachments: the user's text plus one line per file naming its copy in the
/// sandbox (so the agent can read it), and the map of sandbox names back to the original names. Creating it copies
/// each upload into the sandbox safely.
/// </summary>
/// <remarks>
/// Copy hardening: the sandbox must be a real directory (not a symlink); a sandbox name must be a plain file name
/// (so <c>../x</c> and sibling-prefix escapes fail); the directory is opened and every write goes through its
/// descriptor (<c>/proc/self/fd/N</c>), into a temp file that is renamed over the destination — a symlink planted
/// there is replaced, never followed, and a retry refreshes a stale copy. The new file keeps an existing
/// destination's mode, else gets 0666 minus the umask. If the sandbox path stopped naming the opened directory
/// meanwhile, the copy is removed and the call fails. Linux only (fails closed elsewhere).
/// </remarks>
public sealed class UploadedFilesPrompt
{
    private UploadedFilesPrompt(string text, IReadOnlyDictionary<string, string> sandboxFileNames)
    {
        Text = text;
        SandboxFileNames = sandboxFileNames;
    }

    /// <summary>Gets the prompt text to send.</summary>
    public string Text { get; }

    /// <summary>Gets the sandbox file names mapped to the original upload names.</summary>
    public IReadOnlyDictionary<string, string> SandboxFileNames { get; }

    /// <summary>Copies the uploads into the sandbox and builds the prompt.</summary>
    /// <param name="content">The user's text.</param>
    /// <param name="files">The uploads (none = the text unchanged).</param>
    /// <param name="sandboxPath">The sandbox directory (created if missing).</param>
    /// <param name="sandboxNameFor">Chooses the file name of each upload inside the sandbox.</param>
    /// <param name="cancellationToken">Cancels the copy.</param>
    /// <returns>The prompt.</returns>
    /// <exception cref="ArgumentException">The sandbox is not a real directory, a sandbox name is not a plain file
    /// name, or the sandbox was swapped during the copy.</exception>
    /// <exception cref="PlatformNotSupportedException">The platform cannot copy safely.</exception>
    public static Task<UploadedFilesPrompt> CreateAsync(
        string content,
        IReadOnlyList<UploadedFile> files,
        string sandboxPath,
        Func<UploadedFile, string> sandboxNameFor,
        CancellationToken cancellationToken = default) =>
        CreateAsync(content, files, sandboxPath, sandboxNameFor, afterDirectoryOpened: null, cancellationToken);

    /// <summary>Test seam: <paramref name="afterDirectoryOpened"/> runs between opening the sandbox and writing.</summary>
    internal static async Task<UploadedFilesPrompt> CreateAsync(
        string content,
        IReadOnlyList<UploadedFile> files,
        string sandboxPath,
        Func<UploadedFile, string> sandboxNameFor,
        Action? afterDirectoryOpened,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrEmpty(sandboxPath);
        ArgumentNullException.ThrowIfNull(sandboxNameFor);
        if (files.Count == 0)
        {
            return new UploadedFilesPrompt(content, new Dictionary<string, string>());
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var file in files)
        {
            var sandboxName = sandboxNameFor(file);
            await CopyAsync(file, sandboxPath, sandboxName, afterDirectoryOpened, cancellationToken).ConfigureAwait(false);
            names[sandboxName] = file.FileName;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{file.FileName} -> {sandboxName} ({file.ContentType}, {file.Length} bytes)"));
        }

        var text = new StringBuilder(content).Append("\n\n")
            .Append(CultureInfo.InvariantCulture, $"The user uploaded {files.Count} file(s). Read each file thoroughly before responding:");
        foreach (var line in lines)
        {
            text.Append('\n').Append(line);
        }

        return new UploadedFilesPrompt(text.ToString().Trim(), names);
    }

    private static async Task CopyAsync(UploadedFile file, string sandboxPath, string sandboxName, Action? afterDirectoryOpened, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(sandboxName) || sandboxName is "." or ".." || Path.GetFileName(sandboxName) != sandboxName ||
            sandboxName.Contains('/', StringComparison.Ordinal) || sandboxName.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Sandbox file name must be a plain file name, not '{sandboxName}'.", nameof(sandboxName));
        }

        Directory.CreateDirectory(sandboxPath);
        var expected = RequireRealDirectory(sandboxPath);
        using var directory = OpenDirectory(sandboxPath, expected);
        afterDirectoryOpened?.Invoke();
        var through = UnixSafeIo.DescriptorPath(directory);
        var destination = Path.Combine(through, sandboxName);
        var temp = Path.Combine(through, $".opencode-upload-{Guid.NewGuid():N}.tmp");
        try
        {
            var source = await file.OpenRead(cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                // CreateNew: O_CREAT|O_EXCL, so a planted name is never followed; the mode is 0666 minus the umask.
                var target = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous });
                await using (target.ConfigureAwait(false))
                {
                    await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                    target.Flush(flushToDisk: true);
                }
            }

            if (TryLinkStatus(destination) is { IsRegularFile: true } existing)
            {
                File.SetUnixFileMode(temp, existing.Permissions);
            }

            // rename(2) replaces whatever the name is (a symlink included) without following it.
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (TryLinkStatus(sandboxPath) is not { } now || !now.IsDirectory || !now.SameFileAs(expected))
        {
            TryDelete(destination);
            throw new ArgumentException($"The sandbox directory {sandboxPath} was replaced during the copy of {sandboxName}; the copy was removed.", nameof(sandboxPath));
        }
    }

    private static UnixFileStatus RequireRealDirectory(string sandboxPath)
    {
        var status = UnixSafeIo.LinkStatus(sandboxPath);
        return status.IsDirectory
            ? status
            : throw new ArgumentException($"The sandbox {sandboxPath} must be a real directory, not a symlink or file.", nameof(sandboxPath));
    }

    private static SafeFileHandle OpenDirectory(string sandboxPath, UnixFileStatus expected)
    {
        var handle = UnixSafeIo.OpenReadNoFollow(sandboxPath, directory: true);
        if (!UnixSafeIo.Status(handle).SameFileAs(expected))
        {
            handle.Dispose();
            throw new ArgumentException($"The sandbox directory {sandboxPath} changed while being opened.", nameof(sandboxPath));
        }

        return handle;
    }

    private static UnixFileStatus? TryLinkStatus(string path)
    {
        try
        {
            return UnixSafeIo.LinkStatus(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
