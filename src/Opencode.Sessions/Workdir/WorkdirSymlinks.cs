using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Workdir;

/// <summary>
/// Makes symbolic links portable between task roots: an absolute target inside the work directory becomes the
/// equivalent relative one, so a snapshot restores under any task root (on any worker).
/// </summary>
internal static class WorkdirSymlinks
{
    /// <summary>
    /// Returns the relative form of an absolute <paramref name="target"/> that lies inside <paramref name="workdir"/>
    /// (lexically normalised), or <see langword="null"/> when the target is relative or points outside.
    /// </summary>
    /// <param name="workdir">The absolute POSIX path of the work directory.</param>
    /// <param name="linkPath">The link's path relative to the work directory (<c>./</c> prefixes and trailing <c>/</c> allowed).</param>
    /// <param name="target">The link's target as stored.</param>
    /// <returns>A target made of leading <c>..</c> segments then plain names, or <see langword="null"/>.</returns>
    public static string? RelativeInside(string workdir, string linkPath, string target)
    {
        if (!target.StartsWith('/') || target.Contains('\0'))
        {
            return null;
        }

        var root = HostPath.Normalize(workdir);
        var resolved = HostPath.Normalize(target);
        if (!HostPath.IsUnder(resolved, root))
        {
            return null;
        }

        var parent = linkPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").SkipLast(1).ToArray();
        var destination = resolved.Length == root.Length
            ? []
            : resolved[(root.Length + (root.EndsWith('/') ? 0 : 1))..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var common = 0;
        while (common < parent.Length && common < destination.Length && parent[common] == destination[common])
        {
            common++;
        }

        var segments = Enumerable.Repeat("..", parent.Length - common).Concat(destination.Skip(common)).ToArray();
        return segments.Length == 0 ? "." : string.Join('/', segments);
    }
}
