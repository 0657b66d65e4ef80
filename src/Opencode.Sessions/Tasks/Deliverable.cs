namespace Opencode.Sessions;

/// <summary>A file the agent announced with a <c>DELIVERABLE:</c> line, fetched from the host.</summary>
/// <param name="RelativePath">Path relative to <c>deliverables/</c>, with <c>/</c> separators (for example <c>sub/out.md</c>).</param>
/// <param name="HostPath">Absolute, symlink-resolved path on the host.</param>
/// <param name="Text">The file's content, decoded as strict UTF-8.</param>
public sealed record Deliverable(string RelativePath, string HostPath, string Text);
