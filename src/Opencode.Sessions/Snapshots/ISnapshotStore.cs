namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Stores the snapshots that let a later run resume an opencode session: a session blob (the exported transcript), a
/// workdir blob (tar.gz) and a <see cref="SnapshotRecord"/>.
/// </summary>
/// <remarks>
/// <para>
/// Saving is atomic: both blobs are written completely first, the record last. A failure or crash before the record
/// is stored leaves no visible snapshot; blobs it left behind are orphans that a later save or prune deletes.
/// </para>
/// <para>
/// Blobs are streamed both ways (the store hands a sink to a writer callback, and <see cref="OpenBlobAsync"/> returns a
/// stream), so memory never grows with the size of a work directory. Implementations are thread-safe and must allow
/// concurrent saves, for the same process id (no lost or torn record) and for different ones.
/// </para>
/// </remarks>
public interface ISnapshotStore
{
    /// <summary>
    /// Saves a snapshot under <see cref="SnapshotDraft.SnapshotId"/>: the session blob, then the workdir blob, then the
    /// record. The returned record carries that id unchanged; a second save with the same id for the same process fails.
    /// </summary>
    /// <param name="draft">The snapshot's metadata.</param>
    /// <param name="writeSessionBlob">
    /// Writes the session blob into the stream it is given (write-only; the callback must not dispose it, and must
    /// not keep it after its task completes).
    /// </param>
    /// <param name="writeWorkdirBlob">Writes the workdir blob into the stream it is given (same rules).</param>
    /// <param name="cancellationToken">A token to cancel the save; a cancelled save leaves no visible snapshot.</param>
    /// <returns>The stored record.</returns>
    /// <exception cref="ArgumentException">The draft's snapshot id, process id or session id is invalid.</exception>
    /// <exception cref="SnapshotException">The snapshot could not be stored (or one with the same id exists).</exception>
    Task<SnapshotRecord> SaveAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken = default);

    /// <summary>Loads the newest snapshot of a process (see <see cref="SnapshotRecord.NewestFirst"/>).</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The newest record, or <see langword="null"/> when the process has none.</returns>
    /// <exception cref="ArgumentException"><paramref name="processId"/> is invalid.</exception>
    Task<SnapshotRecord?> LoadLatestAsync(string processId, CancellationToken cancellationToken = default);

    /// <summary>Lists the snapshots of a process, newest first (see <see cref="SnapshotRecord.NewestFirst"/>).</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The records; empty when the process has none.</returns>
    /// <exception cref="ArgumentException"><paramref name="processId"/> is invalid.</exception>
    Task<IReadOnlyList<SnapshotRecord>> ListAsync(string processId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the <paramref name="keep"/> newest snapshots of a process and deletes the others with both their blobs
    /// (records first, so a pruned snapshot is never half visible). Orphaned blobs are collected as well.
    /// </summary>
    /// <param name="processId">The process id.</param>
    /// <param name="keep">How many snapshots to keep (0 deletes all).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The records that were deleted, newest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="processId"/> is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keep"/> is negative.</exception>
    Task<IReadOnlyList<SnapshotRecord>> PruneAsync(string processId, int keep, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob of a snapshot for reading.</summary>
    /// <param name="processId">The process id the blob belongs to.</param>
    /// <param name="blobId">The blob id (<see cref="SnapshotRecord.SessionBlobId"/> or <see cref="SnapshotRecord.WorkdirBlobId"/>).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream the caller disposes.</returns>
    /// <exception cref="ArgumentException"><paramref name="processId"/> or <paramref name="blobId"/> is invalid.</exception>
    /// <exception cref="SnapshotException">The blob does not exist (it was pruned or deleted).</exception>
    Task<Stream> OpenBlobAsync(string processId, string blobId, CancellationToken cancellationToken = default);
}
