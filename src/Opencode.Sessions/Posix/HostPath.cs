namespace Opencode.Sessions.Posix;

/// <summary>
/// POSIX path helpers for host paths, which may be remote, so never <see cref="Path"/>'s platform rules. Purely lexical:
/// nothing here looks at a file system or resolves a symbolic link.
/// </summary>
public static class HostPath
{
    /// <summary>Joins two POSIX paths; an absolute <paramref name="right"/> replaces <paramref name="left"/>.</summary>
    /// <param name="left">The first path.</param>
    /// <param name="right">The path to append.</param>
    /// <returns>The joined path (not normalised).</returns>
    public static string Combine(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return right.StartsWith('/') ? right : left.TrimEnd('/') + "/" + right;
    }

    /// <summary>Gets the last segment of a POSIX path (trailing slashes ignored).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The last segment.</returns>
    public static string GetFileName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>Normalises a POSIX path lexically (removes empty and <c>.</c> segments, applies <c>..</c>).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The normalised path: <c>/</c>-rooted if the input was, <c>.</c> for an empty relative result.</returns>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var absolute = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (segment != ".." || !absolute)
            {
                parts.Add(segment);
            }
        }

        var joined = string.Join('/', parts);
        return absolute ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary>Tells whether <paramref name="path"/> equals <paramref name="root"/> or lies under it (both normalised, absolute).</summary>
    /// <param name="path">The path to test.</param>
    /// <param name="root">The directory.</param>
    /// <param name="allowEqual">Whether <paramref name="path"/> equal to <paramref name="root"/> counts.</param>
    /// <returns><see langword="true"/> if the path is at or under the root.</returns>
    public static bool IsUnder(string path, string root, bool allowEqual = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(root);
        var r = root.TrimEnd('/');
        if (r.Length == 0)
        {
            return allowEqual || path != "/";
        }

        return (allowEqual && path == r) || path.StartsWith(r + "/", StringComparison.Ordinal);
    }

    /// <summary>
    /// Resolves a target against the work directory: absolute paths are returned normalised; relative ones must not
    /// contain <c>..</c> and must stay inside the work directory.
    /// </summary>
    /// <param name="workDirectory">The absolute work directory.</param>
    /// <param name="target">An absolute path, or a path relative to the work directory.</param>
    /// <param name="paramName">The parameter name reported in the exception.</param>
    /// <returns>The absolute, normalised path.</returns>
    /// <exception cref="ArgumentException">A relative <paramref name="target"/> has a <c>..</c> segment or escapes the work directory.</exception>
    public static string ResolveUnderWorkdir(string workDirectory, string target, string paramName)
    {
        ArgumentNullException.ThrowIfNull(workDirectory);
        ArgumentNullException.ThrowIfNull(target);
        if (target.StartsWith('/'))
        {
            return Normalize(target);
        }

        if (target.Split('/').Any(s => s == ".."))
        {
            throw new ArgumentException($"The path '{target}' contains a '..' segment; relative paths must stay inside the work directory.", paramName);
        }

        var resolved = Normalize(Combine(workDirectory, target));
        if (!IsUnder(resolved, Normalize(workDirectory)))
        {
            throw new ArgumentException($"The path '{target}' escapes the work directory.", paramName);
        }

        return resolved;
    }
}
