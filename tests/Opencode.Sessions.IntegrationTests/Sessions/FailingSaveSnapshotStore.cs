using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>
/// A snapshot store whose saves fail after the session blob was written (like a disk that fills up midway); every
/// other operation goes to the wrapped store.
/// </summary>
internal sealed class FailingSaveSnapshotStore(ISnapshotStore inner, string failure) : ISnapshotStore
{
    /// <summary>Gets how many saves were attempted.</summary>
    public int SaveAttempts { get; private set; }

    public Task<SnapshotRecord> SaveAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken = default)
    {
        SaveAttempts++;
        return inner.SaveAsync(
            draft,
            writeSessionBlob,
            (_, _) => throw new IOException(failure),
            cancellationToken);
    }

    public Task<SnapshotRecord?> LoadLatestAsync(string processId, CancellationToken cancellationToken = default) =>
        inner.LoadLatestAsync(processId, cancellationToken);

    public Task<IReadOnlyList<SnapshotRecord>> ListAsync(string processId, CancellationToken cancellationToken = default) =>
        inner.ListAsync(processId, cancellationToken);

    public Task<IReadOnlyList<SnapshotRecord>> PruneAsync(string processId, int keep, CancellationToken cancellationToken = default) =>
        inner.PruneAsync(processId, keep, cancellationToken);

    public Task<Stream> OpenBlobAsync(string processId, string blobId, CancellationToken cancellationToken = default) =>
        inner.OpenBlobAsync(processId, blobId, cancellationToken);
}
