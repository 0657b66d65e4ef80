namespace Opencode.Sessions.Hosting;

/// <summary>
/// A path inside the work directory (which the agent controls) was refused: it leaves the work directory, goes through
/// a symbolic link, names something other than a regular file, or a file with several hard links.
/// </summary>
/// <remarks>Nothing was read or written when this is thrown. <see cref="Reason"/> says which rule refused the path.</remarks>
public sealed class UnsafeWorkdirPathException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="relativePath">The path, relative to the work directory, as it was asked for.</param>
    /// <param name="reason">Which rule refused it.</param>
    /// <param name="innerException">The OS error, if any.</param>
    public UnsafeWorkdirPathException(string relativePath, UnsafeWorkdirPathReason reason, Exception? innerException = null)
        : base($"'{relativePath}' in the work directory was refused: {Describe(reason)}.", innerException)
    {
        RelativePath = relativePath;
        Reason = reason;
    }

    /// <summary>Gets the path, relative to the work directory, as it was asked for.</summary>
    public string RelativePath { get; }

    /// <summary>Gets which rule refused the path.</summary>
    public UnsafeWorkdirPathReason Reason { get; }

    /// <summary>A short human description of a reason (<c>a symbolic link</c>, <c>not a regular file</c>, …).</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The description, for progress lines and logs.</returns>
    public static string Describe(UnsafeWorkdirPathReason reason) => reason switch
    {
        UnsafeWorkdirPathReason.EscapesWorkdir => "it is not beneath the work directory",
        UnsafeWorkdirPathReason.SymbolicLink => "it goes through a symbolic link",
        UnsafeWorkdirPathReason.NotRegularFile => "it is not a regular file",
        UnsafeWorkdirPathReason.HardLink => "it is a hard link (the file has more than one name)",
        UnsafeWorkdirPathReason.NotFound => "it does not exist",
        _ => reason.ToString(),
    };
}
