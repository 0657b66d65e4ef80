namespace Opencode.Sessions.Conversations;

/// <summary>
/// A sandbox file failed a safety check (symlink, hard link, not a regular file, outside the sandbox, too large,
/// changed while being opened or read), or the platform cannot check it safely.
/// </summary>
public sealed class UnsafeSandboxFileException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">Which check failed, for which file.</param>
    /// <param name="innerException">The OS error, if any.</param>
    public UnsafeSandboxFileException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
