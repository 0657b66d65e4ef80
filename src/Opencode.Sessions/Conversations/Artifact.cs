namespace Opencode.Sessions.Conversations;

/// <summary>A file produced by a turn (written by a tool, or found in the sandbox), ready to attach to a message.</summary>
/// <param name="FileName">The file name (no directory).</param>
/// <param name="Content">The bytes.</param>
/// <param name="ContentType">The media type.</param>
public sealed record Artifact(string FileName, ReadOnlyMemory<byte> Content, string ContentType)
{
    /// <summary>Gets host-authored metadata (for example a trust stamp of the code that rendered it), or empty.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
