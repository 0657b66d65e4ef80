using System.Formats.Tar;

namespace Opencode.Sessions.Testing.Contracts;

/// <summary>One entry of a work-directory archive, as <see cref="HostContractTests"/> reads it back.</summary>
/// <param name="Type">The tar entry type (regular file, directory, symbolic link…).</param>
/// <param name="Mode">The Unix permissions recorded in the archive.</param>
/// <param name="Content">The bytes of a regular file, else <see langword="null"/>.</param>
public sealed record ArchivedEntry(TarEntryType Type, UnixFileMode Mode, byte[]? Content);
