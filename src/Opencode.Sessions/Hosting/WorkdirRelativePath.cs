namespace Opencode.Sessions.Hosting;

/// <summary>
/// The lexical rules every host applies to a path handed to <see cref="IHost.OpenWorkdirFileAsync"/> or
/// <see cref="IHost.WriteWorkdirFileAsync"/> before touching the file system: relative, no <c>..</c> segment, no NUL,
/// at least one name. Empty and <c>.</c> segments are dropped.
/// </summary>
/// <remarks>A host author calls <see cref="Split"/> first in both methods, so every host refuses the same paths.</remarks>
public static class WorkdirRelativePath
{
    /// <summary>Splits a work-directory-relative path into its names.</summary>
    /// <param name="relativePath">The path as the caller gave it.</param>
    /// <returns>The names, at least one, none of them empty, <c>.</c> or <c>..</c>.</returns>
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

    /// <summary>Gets the normalised form (<c>a/b/c</c>) of a valid relative path.</summary>
    /// <param name="relativePath">The path.</param>
    /// <returns>The names joined with <c>/</c>.</returns>
    /// <exception cref="UnsafeWorkdirPathException">The path is not a valid relative path (see <see cref="Split"/>).</exception>
    public static string Normalize(string relativePath) => string.Join('/', Split(relativePath));
}
