namespace Opencode.Sessions.Internal;

/// <summary>POSIX path helpers for host paths (which may be remote, so never <see cref="Path"/>'s platform rules).</summary>
internal static class HostPath
{
    /// <summary>Joins two POSIX paths.</summary>
    public static string Combine(string left, string right) =>
        right.StartsWith('/') ? right : left.TrimEnd('/') + "/" + right;

    /// <summary>The last segment of a POSIX path.</summary>
    public static string GetFileName(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }

    /// <summary>Normalises a POSIX path lexically (removes empty and <c>.</c> segments, applies <c>..</c>).</summary>
    public static string Normalize(string path)
    {
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

    /// <summary>Whether <paramref name="path"/> equals <paramref name="root"/> or lies under it (both normalised, absolute).</summary>
    public static bool IsUnder(string path, string root, bool allowEqual = true)
    {
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
    public static string ResolveUnderWorkdir(string workDirectory, string target, string paramName)
    {
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
