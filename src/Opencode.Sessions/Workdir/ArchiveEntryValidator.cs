using System.Formats.Tar;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Workdir;

/// <summary>What to do with one archive entry that passed validation.</summary>
/// <param name="RelativePath">The normalised POSIX path below the work directory (no <c>./</c>, no trailing <c>/</c>).</param>
/// <param name="Kind">Directory, RegularFile, SymbolicLink or HardLink.</param>
/// <param name="LinkTarget">The link target as stored (symlinks) or the normalised relative target (hard links).</param>
internal readonly record struct ArchiveEntryPlan(string RelativePath, TarEntryType Kind, string? LinkTarget);

/// <summary>
/// Decides, entry by entry and before anything is written, whether a tar entry is safe to extract into a work
/// directory. Archive-level rules only (names, types, link targets, earlier entries); the extractor adds checks
/// against what is on disk.
/// </summary>
/// <remarks>
/// Symlink targets may climb with leading <c>..</c> segments (the entry's parents are always real directories), but
/// a <c>..</c> after any other segment is refused: that segment could be a symlink, and <c>..</c> after a symlink
/// resolves physically somewhere else than the text suggests (e.g. <c>a -&gt; .</c>, then <c>b -&gt; a/../x</c>).
/// </remarks>
internal sealed class ArchiveEntryValidator
{
    private readonly string _root;
    private readonly Dictionary<string, TarEntryType> _seen = new(StringComparer.Ordinal);

    /// <param name="workDirectory">The absolute POSIX path the archive is extracted into (for absolute symlink targets).</param>
    public ArchiveEntryValidator(string workDirectory) => _root = HostPath.Normalize(workDirectory);

    /// <summary>Validates an entry; returns <see langword="null"/> for entries to skip (the root itself, global PAX headers).</summary>
    /// <exception cref="UnsafeArchiveEntryException">The entry is refused.</exception>
    public ArchiveEntryPlan? Check(TarEntry entry) => Check(entry.Name, entry.EntryType, entry.LinkName);

    /// <inheritdoc cref="Check(TarEntry)"/>
    public ArchiveEntryPlan? Check(string name, TarEntryType type, string? linkName)
    {
        if (type == TarEntryType.GlobalExtendedAttributes)
        {
            return null;
        }

        var path = NormalizeMemberName(name, name, "its name");
        var kind = Classify(name, type);
        if (path.Length == 0)
        {
            return kind == TarEntryType.Directory ? null : throw new UnsafeArchiveEntryException(name, "its name is empty");
        }

        CheckAncestors(name, path);
        if (_seen.TryGetValue(path, out var previous) && !(previous == TarEntryType.Directory && kind == TarEntryType.Directory))
        {
            throw new UnsafeArchiveEntryException(name, $"it appears twice (first as {Describe(previous)}); only directories may repeat");
        }

        string? target = kind switch
        {
            TarEntryType.SymbolicLink => CheckSymlinkTarget(name, path, linkName),
            TarEntryType.HardLink => CheckHardLinkTarget(name, path, linkName),
            _ => null,
        };

        _seen[path] = kind;
        return new ArchiveEntryPlan(path, kind, target);
    }

    /// <summary>Normalises a member name: strips <c>./</c> and empty segments; refuses absolute paths, NUL and <c>..</c>.</summary>
    private static string NormalizeMemberName(string entryName, string value, string what)
    {
        if (value.Contains('\0'))
        {
            throw new UnsafeArchiveEntryException(entryName, $"{what} contains a NUL character");
        }

        if (value.StartsWith('/'))
        {
            throw new UnsafeArchiveEntryException(entryName, $"{what} is an absolute path");
        }

        var segments = value.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Contains(".."))
        {
            throw new UnsafeArchiveEntryException(entryName, $"{what} contains a '..' segment");
        }

        return string.Join('/', segments);
    }

    private static TarEntryType Classify(string name, TarEntryType type) => type switch
    {
        TarEntryType.Directory => TarEntryType.Directory,
        TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => TarEntryType.RegularFile,
        TarEntryType.SymbolicLink => TarEntryType.SymbolicLink,
        TarEntryType.HardLink => TarEntryType.HardLink,
        TarEntryType.CharacterDevice or TarEntryType.BlockDevice => throw new UnsafeArchiveEntryException(name, "device files are not allowed in a work directory"),
        TarEntryType.Fifo => throw new UnsafeArchiveEntryException(name, "FIFOs are not allowed in a work directory"),
        _ => throw new UnsafeArchiveEntryException(name, $"entries of type {type} are not supported"),
    };

    private static string Describe(TarEntryType kind) => kind switch
    {
        TarEntryType.Directory => "a directory",
        TarEntryType.SymbolicLink => "a symbolic link",
        TarEntryType.HardLink => "a hard link",
        _ => "a file",
    };

    private void CheckAncestors(string name, string path)
    {
        for (var slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            var ancestor = path[..slash];
            if (_seen.TryGetValue(ancestor, out var kind) && kind != TarEntryType.Directory)
            {
                throw new UnsafeArchiveEntryException(
                    name,
                    kind == TarEntryType.SymbolicLink
                        ? $"its path goes through the symbolic link '{ancestor}' of an earlier entry"
                        : $"its parent '{ancestor}' is {Describe(kind)}, not a directory");
            }
        }
    }

    private string CheckSymlinkTarget(string name, string path, string? linkName)
    {
        if (string.IsNullOrEmpty(linkName) || linkName.Contains('\0'))
        {
            throw new UnsafeArchiveEntryException(name, "its symbolic link target is empty or contains a NUL character");
        }

        var segments = linkName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        var climbing = !linkName.StartsWith('/');
        foreach (var segment in segments)
        {
            if (segment != "..")
            {
                climbing = false;
            }
            else if (!climbing)
            {
                throw new UnsafeArchiveEntryException(name, $"its symbolic link target '{linkName}' uses '..' after a path component, which could resolve outside the work directory through another link");
            }
        }

        var parent = path.Contains('/') ? _root + "/" + path[..path.LastIndexOf('/')] : _root;
        var resolved = HostPath.Normalize(linkName.StartsWith('/') ? linkName : parent + "/" + linkName);
        if (!HostPath.IsUnder(resolved, _root))
        {
            throw new UnsafeArchiveEntryException(name, $"its symbolic link target '{linkName}' points outside the work directory");
        }

        return linkName;
    }

    private string CheckHardLinkTarget(string name, string path, string? linkName)
    {
        if (string.IsNullOrEmpty(linkName))
        {
            throw new UnsafeArchiveEntryException(name, "its hard link target is empty");
        }

        var target = NormalizeMemberName(name, linkName, $"its hard link target '{linkName}'");
        if (target.Length == 0 || target == path || !_seen.TryGetValue(target, out var kind) || kind != TarEntryType.RegularFile)
        {
            throw new UnsafeArchiveEntryException(name, $"its hard link target '{linkName}' is not a regular file stored earlier in the archive (it would point outside the work directory or nowhere)");
        }

        return target;
    }
}
