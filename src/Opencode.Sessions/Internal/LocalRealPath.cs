namespace Opencode.Sessions.Internal;

/// <summary><c>realpath -m</c> for the local file system: symlinks resolved, missing trailing components allowed.</summary>
internal static class LocalRealPath
{
    private const int MaxSymlinkHops = 40;

    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.StartsWith('/'))
        {
            path = HostPath.Combine(Directory.GetCurrentDirectory(), path);
        }

        var pending = new Stack<string>(Enumerable.Reverse(path.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        var resolved = "/";
        var hops = 0;
        var missing = false;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                resolved = ParentOf(resolved);
                continue;
            }

            var candidate = HostPath.Combine(resolved, segment);
            if (!missing)
            {
                var info = new FileInfo(candidate);
                if (info.LinkTarget is { } target)
                {
                    if (++hops > MaxSymlinkHops)
                    {
                        throw new IOException($"Too many levels of symbolic links while resolving '{path}'.");
                    }

                    // Re-walk the link target (relative targets are relative to the link's directory).
                    foreach (var part in Enumerable.Reverse(target.Split('/', StringSplitOptions.RemoveEmptyEntries)))
                    {
                        pending.Push(part);
                    }

                    if (target.StartsWith('/'))
                    {
                        resolved = "/";
                    }

                    continue;
                }

                missing = !info.Exists && !Directory.Exists(candidate);
            }

            resolved = candidate;
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
