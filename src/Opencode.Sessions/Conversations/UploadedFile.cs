namespace Opencode.Sessions.Conversations;

/// <summary>A file the user attached to a message.</summary>
public sealed record UploadedFile
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="fileName">The original file name (shown to the agent; never used as a path).</param>
    /// <param name="contentType">The media type.</param>
    /// <param name="length">The size in bytes.</param>
    /// <param name="openRead">Opens the content (for example a blob download); the stream is disposed after copying.</param>
    public UploadedFile(string fileName, string contentType, long length, Func<CancellationToken, Task<Stream>> openRead)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentNullException.ThrowIfNull(openRead);
        FileName = fileName;
        ContentType = contentType;
        Length = length;
        OpenRead = openRead;
    }

    /// <summary>Gets the original file name.</summary>
    public string FileName { get; }

    /// <summary>Gets the media type.</summary>
    public string ContentType { get; }

    /// <summary>Gets the size in bytes.</summary>
    public long Length { get; }

    /// <summary>Gets the function that opens the content.</summary>
    public Func<CancellationToken, Task<Stream>> OpenRead { get; }

    /// <summary>Creates an upload from bytes in memory.</summary>
    /// <param name="fileName">The original file name.</param>
    /// <param name="contentType">The media type.</param>
    /// <param name="content">The bytes.</param>
    /// <returns>The upload.</returns>
    public static UploadedFile FromBytes(string fileName, string contentType, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new UploadedFile(fileName, contentType, content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content, writable: false)));
    }
}
