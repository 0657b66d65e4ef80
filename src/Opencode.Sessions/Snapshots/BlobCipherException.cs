namespace Opencode.Sessions.Snapshots;

/// <summary>
/// A stored blob could not be decrypted: the key is wrong or changed, or the blob was tampered with or truncated.
/// A resume that meets this error fails loudly instead of silently starting fresh.
/// </summary>
public sealed class BlobCipherException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">What failed and what to check.</param>
    /// <param name="innerException">The cryptographic error, if any.</param>
    public BlobCipherException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
