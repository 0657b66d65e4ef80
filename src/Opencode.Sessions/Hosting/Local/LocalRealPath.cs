using Opencode.Sessions.Internal;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Hosting.Local;

/// <summary><c>realpath -m</c> for the local file system: symlinks resolved, missing trailing components allowed.</summary>
/// <remarks>
/// The longest existing prefix is resolved by the C library's <c>realpath(3)</c> (the library's one symlink resolver);
/// the missing rest is appended lexically (<c>.</c> dropped, <c>..</c> removes the previous component), as
/// <c>realpath -m</c> does.
/// </remarks>
internal static class LocalRealPath
{
    private const int ELOOP = 40;

    /// <summary>Resolves <paramref name="path"/> (relative paths against the current directory).</summary>
    /// <param name="path">The path.</param>
    /// <returns>The absolute, canonical path.</returns>
    /// <exception cref="IOException">A symlink loop.</exception>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/'))
        {
            path = HostPath.Combine(Directory.GetCurrentDirectory(), path);
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var existing = segments.Length; existing >= 0; existing--)
        {
            var prefix = "/" + string.Join('/', segments.Take(existing));
            if (UnixSafeIo.TryRealPath(prefix, out var resolved, out var error))
            {
                return AppendLexically(resolved, segments.Skip(existing));
            }

            if (error == ELOOP)
            {
                throw new IOException($"Too many levels of symbolic links while resolving '{path}'.");
            }
        }

        return AppendLexically("/", segments);
    }

    private static string AppendLexically(string resolved, IEnumerable<string> rest)
    {
        foreach (var segment in rest)
        {
            resolved = segment switch
            {
                "." => resolved,
                ".." => ParentOf(resolved),
                _ => HostPath.Combine(resolved, segment),
            };
        }

        return resolved;
    }

    private static string ParentOf(string path)
    {
        if (path == "/")
        {
            return "/";
        }

        var slash = path.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}
