namespace Opencode.Sessions.Snapshots;

/// <summary>Options of <see cref="FileSystemSnapshotStore"/>.</summary>
public sealed record FileSystemSnapshotStoreOptions
{
    /// <summary>
    /// Gets the directory snapshots are stored in; <see langword="null"/> = <c>snapshots/</c> under the data root
    /// (<c>$OPENCODE_SESSIONS_DATA_DIR</c>, else <c>$XDG_DATA_HOME/opencode-sessions</c>, else
    /// <c>~/.local/share/opencode-sessions</c>).
    /// </summary>
    public string? RootDirectory { get; init; }

    /// <summary>
    /// Gets how long a save or prune waits for another save or prune of the same process id (in this or another
    /// process) before it fails. Default 10 minutes; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
