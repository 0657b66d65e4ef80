using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// The directory a conversation's agent writes into, scanned for files to hand back to the user. Only top-level,
/// non-hidden, safe regular files are yielded (see <see cref="SandboxFile"/>).
/// </summary>
public sealed class Sandbox
{
    /// <summary>The default per-file cap: 10 MiB.</summary>
    public const long DefaultMaxFileBytes = 10L * 1024 * 1024;

    /// <summary>Slack subtracted from the cutoff to absorb clock skew between the host and the agent's machine.</summary>
    public static readonly TimeSpan CutoffSlack = TimeSpan.FromSeconds(2);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="path">The sandbox directory.</param>
    /// <param name="maxFileBytes">The per-file size cap.</param>
    public Sandbox(string path, long maxFileBytes = DefaultMaxFileBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFileBytes);
        Path = System.IO.Path.GetFullPath(path);
        MaxFileBytes = maxFileBytes;
    }

    /// <summary>Gets the absolute sandbox path.</summary>
    public string Path { get; }

    /// <summary>Gets the per-file size cap.</summary>
    public long MaxFileBytes { get; }

    /// <summary>Gets a value indicating whether the sandbox directory exists.</summary>
    public bool Exists => Directory.Exists(Path);

    /// <summary>
    /// Lists the safe top-level files modified at or after <paramref name="after"/> minus <see cref="CutoffSlack"/>
    /// (no time filter when null). Dotfiles and subdirectories are skipped.
    /// </summary>
    /// <param name="after">The turn's start (the user message's creation time), or null.</param>
    /// <returns>The files, in name order.</returns>
    public IReadOnlyList<SandboxFile> Files(DateTimeOffset? after = null)
    {
        if (!Exists || Prefix() is not { } prefix)
        {
            return [];
        }

        var cutoff = after - CutoffSlack;
        var files = new List<SandboxFile>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(entry);
            if (name.StartsWith('.'))
            {
                continue;
            }

            try
            {
                var status = UnixSafeIo.LinkStatus(entry);
                if (!status.IsRegularFile || (cutoff is { } c && status.LastWriteTime < c))
                {
                    continue;
                }
            }
            catch (Exception e) when (e is IOException or PlatformNotSupportedException)
            {
                continue;
            }

            var file = new SandboxFile(entry, prefix, MaxFileBytes);
            if (file.IsSafe())
            {
                files.Add(file);
            }
        }

        return files;
    }

    /// <summary>Finds one safe file by name.</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="after">The cutoff, or null.</param>
    /// <returns>The file, or null when absent or unsafe.</returns>
    public SandboxFile? File(string fileName, DateTimeOffset? after = null) =>
        Files(after).FirstOrDefault(f => f.FileName == fileName);

    /// <summary>The real sandbox path plus a separator, so <c>/sb-1</c> never matches <c>/sb-10/x</c>.</summary>
    private string? Prefix()
    {
        try
        {
            return UnixSafeIo.RealPath(Path).TrimEnd('/') + "/";
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return null;
        }
    }
}
