namespace Opencode.Sessions.Hosting;

/// <summary>Why a path inside the work directory was refused by <see cref="IHost.OpenWorkdirFileAsync"/> or <see cref="IHost.WriteWorkdirFileAsync"/>.</summary>
public enum UnsafeWorkdirPathReason
{
    /// <summary>The path is absolute, empty, has a <c>..</c> segment or otherwise does not stay beneath the work directory.</summary>
    EscapesWorkdir,

    /// <summary>A component of the path (a directory on the way, or the file itself) is a symbolic link.</summary>
    SymbolicLink,

    /// <summary>The file is not a regular file (a directory, FIFO, socket or device), or a component on the way is not a directory.</summary>
    NotRegularFile,

    /// <summary>The file has more than one hard link, so it may be another file's content (one outside the work directory).</summary>
    HardLink,

    /// <summary>The file (or a directory on the way) does not exist.</summary>
    NotFound,
}
