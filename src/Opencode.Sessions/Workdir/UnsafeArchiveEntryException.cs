namespace Opencode.Sessions.Workdir;

/// <summary>
/// A workdir archive holds an entry that could write outside the work directory or create something that has no
/// place in it (an absolute or <c>..</c> path, a link leading outside, a device or FIFO, a path through a symlink).
/// The restore stops at that entry; nothing is ever written outside the work directory.
/// </summary>
public sealed class UnsafeArchiveEntryException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="entryName">The entry's name as stored in the archive.</param>
    /// <param name="reason">Why the entry is refused.</param>
    public UnsafeArchiveEntryException(string entryName, string reason)
        : base(
            $"The workdir archive contains an unsafe entry '{entryName}': {reason}.{Environment.NewLine}" +
            $"The restore was stopped at this entry and nothing was written outside the work directory.{Environment.NewLine}" +
            "The snapshot was tampered with or was not made by Opencode.Sessions; delete it (or restart without resume) to run fresh.")
    {
        EntryName = entryName;
        Reason = reason;
    }

    /// <summary>Gets the refused entry's name as stored in the archive.</summary>
    public string EntryName { get; }

    /// <summary>Gets why the entry was refused.</summary>
    public string Reason { get; }
}
