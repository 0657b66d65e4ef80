namespace Opencode.Sessions.Snapshots;

/// <summary>
/// One stored snapshot: the metadata of a captured run and the ids of its two blobs (the exported session and the
/// work directory as tar.gz). Field names follow the original store's document (<c>processId</c>, <c>capturedAt</c>,
/// <c>endState</c>, <c>sessionId</c>, <c>sessionBlobId</c>, <c>workdirBlobId</c>, <c>deliverablesEmitted</c>).
/// </summary>
/// <remarks>Store implementations create records; the blob ids are opaque to everyone else.</remarks>
public sealed record SnapshotRecord
{
    /// <summary>
    /// Gets the id of this snapshot, unique per process id: the <see cref="SnapshotDraft.SnapshotId"/> it was saved
    /// under (the cipher binds both blobs to it). Rows a store saved before drafts carried ids keep a store-made id.
    /// </summary>
    public required string SnapshotId { get; init; }

    /// <summary>Gets the process id the snapshot belongs to.</summary>
    public required string ProcessId { get; init; }

    /// <summary>Gets when the snapshot was captured, in UTC. The newest snapshot of a process has the highest value.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Gets how the run that produced the snapshot ended.</summary>
    public required SnapshotEndState EndState { get; init; }

    /// <summary>Gets the opencode session id held by the session blob.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the id of the session blob (the exported session JSON, possibly encrypted).</summary>
    public required string SessionBlobId { get; init; }

    /// <summary>Gets the id of the workdir blob (a gzip-compressed tar archive, possibly encrypted).</summary>
    public required string WorkdirBlobId { get; init; }

    /// <summary>Gets the deliverables the run emitted (audit only).</summary>
    public IReadOnlyList<string> DeliverablesEmitted { get; init; } = [];

    /// <summary>Gets a value indicating whether the session blob is encrypted (restore must decrypt it).</summary>
    public bool SessionBlobEncrypted { get; init; }

    /// <summary>Gets a value indicating whether the workdir blob is encrypted (restore must decrypt it).</summary>
    public bool WorkdirBlobEncrypted { get; init; }

    /// <summary>Gets the stored size of the session blob in bytes.</summary>
    public long SessionBlobLength { get; init; }

    /// <summary>Gets the stored size of the workdir blob in bytes.</summary>
    public long WorkdirBlobLength { get; init; }

    /// <summary>
    /// Gets the order every store returns snapshots in: newest <see cref="CapturedAt"/> first, ties broken by the
    /// higher <see cref="SnapshotId"/> (ordinal).
    /// </summary>
    public static IComparer<SnapshotRecord> NewestFirst { get; } = Comparer<SnapshotRecord>.Create(static (x, y) =>
    {
        var byTime = y.CapturedAt.CompareTo(x.CapturedAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(y.SnapshotId, x.SnapshotId);
    });
}
