using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Hosting;

/// <summary>
/// The lexical rules every host applies to a path handed to <see cref="IHost.OpenWorkdirFileAsync"/> or
/// <see cref="IHost.WriteWorkdirFileAsync"/> before touching the file system: relative, no <c>..</c> segment, no NUL,
/// at least one name. Empty and <c>.</c> segments are dropped.
/// </summary>
internal static class WorkdirRelativePath
{
    /// <summary>Splits a work-directory-relative path into its names.</summary>
    /// <exception cref="UnsafeWorkdirPathException">The path is empty, absolute, has a <c>..</c> segment or a NUL (<see cref="UnsafeWorkdirPathReason.EscapesWorkdir"/>).</exception>
    public static string[] Split(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (relativePath.Length == 0 || relativePath.StartsWith('/') || relativePath.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.EscapesWorkdir);
        }

        var names = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (names.Length == 0 || names.Contains(".."))
        {
            throw new UnsafeWorkdirPathException(relativePath, UnsafeWorkdirPathReason.EscapesWorkdir);
        }

        return names;
    }

    /// <summary>The normalised form (<c>a/b/c</c>) of a valid relative path.</summary>
    public static string Normalize(string relativePath) => string.Join('/', Split(relativePath));
}
