namespace Opencode.Sessions.Protocol;

/// <summary>The result of validating a deliverable path (lifecycle §4.3).</summary>
/// <param name="Status">The verdict.</param>
/// <param name="AnnouncedPath">The path as the agent wrote it.</param>
/// <param name="HostPath">The absolute, lexically normalised path on the host (also set for rejected paths).</param>
/// <param name="RelativePath">
/// For <see cref="DeliverablePathStatus.Valid"/>: the path relative to <c>deliverables/</c> with <c>/</c> separators
/// (<c>out.txt</c>, <c>sub/foo.md</c>); otherwise <see langword="null"/>.
/// </param>
internal sealed record DeliverablePathValidation(DeliverablePathStatus Status, string AnnouncedPath, string HostPath, string? RelativePath)
{
    /// <summary>Gets the progress line to report for this result.</summary>
    public string ProgressMessage => Status switch
    {
        DeliverablePathStatus.Valid => $"Deliverable: {RelativePath}",
        DeliverablePathStatus.EscapesWorkdir => InvalidPathMessage(AnnouncedPath),
        _ => $"deliverable '{AnnouncedPath}': not under deliverables/, skipping (malfunction)",
    };

    /// <summary>The progress line for a path that is rejected before or while it is resolved.</summary>
    public static string InvalidPathMessage(string announcedPath) => $"invalid deliverable path '{announcedPath}', skipping";
}
