namespace Opencode.Sessions.Snapshots;

/// <summary>
/// A base for <see cref="ISnapshotStore"/> implementations: it owns the argument checks every store must make and the
/// disposal state, so a store implements only the protected <c>*CoreAsync</c> methods, which receive validated
/// arguments.
/// </summary>
/// <remarks>
/// <para>
/// Before any core method runs, the public method throws <see cref="ArgumentNullException"/> or
/// <see cref="ArgumentException"/> for an invalid argument (the draft through <see cref="SnapshotDraft.Validate"/>,
/// process ids through <see cref="ProcessIds.Validate"/>, a negative <c>keep</c>, an empty blob id),
/// <see cref="ObjectDisposedException"/> once the store is disposed, and <see cref="OperationCanceledException"/> when
/// the token is already cancelled. The checks run in that order and surface through the returned task.
/// </para>
/// <para>
/// What stays the store's job (and what the contract kit <c>Opencode.Sessions.Testing.Contracts.SnapshotStoreContractTests</c>
/// checks): atomic saves (a failed or cancelled save leaves no visible snapshot), newest-first order
/// (<see cref="SnapshotRecord.NewestFirst"/>), concurrent saves without lost or torn records, prunes that delete the
/// blobs and collect orphans, refusing a second save of a snapshot id with <see cref="SnapshotException"/>, and
/// streaming blobs both ways. Run each writer callback through
/// <see cref="BlobSinkStream.WriteAsync(Stream, Func{Stream, CancellationToken, Task}, CancellationToken)"/> and build
/// the stored record with <see cref="SnapshotDraft.ToRecord"/>.
/// </para>
/// <para>
/// Disposal follows the .NET pattern for both interfaces, so a dependency-injection container may dispose the store
/// either way: the first <see cref="DisposeAsync"/> runs <see cref="DisposeAsyncCore"/> then
/// <see cref="Dispose(bool)"/> with <see langword="false"/>; the first <see cref="Dispose()"/> runs
/// <see cref="Dispose(bool)"/> with <see langword="true"/>. Later calls of either return at once (thread-safe). A store
/// with nothing to release need not override anything.
/// </para>
/// </remarks>
public abstract class SnapshotStoreBase : ISnapshotStore, IAsyncDisposable, IDisposable
{
    private int _disposed;

    /// <summary>Gets a value indicating whether <see cref="DisposeAsync"/> was called.</summary>
    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc/>
    public async Task<SnapshotRecord> SaveAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(writeSessionBlob);
        ArgumentNullException.ThrowIfNull(writeWorkdirBlob);
        draft.Validate();
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        return await SaveCoreAsync(draft, writeSessionBlob, writeWorkdirBlob, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<SnapshotRecord?> LoadLatestAsync(string processId, CancellationToken cancellationToken = default)
    {
        Prologue(processId, cancellationToken);
        return await LoadLatestCoreAsync(processId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SnapshotRecord>> ListAsync(string processId, CancellationToken cancellationToken = default)
    {
        Prologue(processId, cancellationToken);
        return await ListCoreAsync(processId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<SnapshotRecord>> PruneAsync(string processId, int keep, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(keep);
        Prologue(processId, cancellationToken);
        return await PruneCoreAsync(processId, keep, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenBlobAsync(string processId, string blobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobId);
        Prologue(processId, cancellationToken);
        return await OpenBlobCoreAsync(processId, blobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposes the store once; later calls, and calls from other threads meanwhile, return at once.</summary>
    /// <returns>A task that completes when <see cref="DisposeAsyncCore"/> has completed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DisposeAsyncCore().ConfigureAwait(false);
        Dispose(disposing: false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the store once, synchronously; later calls, and calls from other threads meanwhile, return at once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stores a snapshot; called by <see cref="SaveAsync"/> with a validated draft (see <see cref="ISnapshotStore.SaveAsync"/>).</summary>
    /// <param name="draft">The validated draft.</param>
    /// <param name="writeSessionBlob">Writes the session blob; run it through <see cref="BlobSinkStream"/>.</param>
    /// <param name="writeWorkdirBlob">Writes the workdir blob; run it through <see cref="BlobSinkStream"/>.</param>
    /// <param name="cancellationToken">A token to cancel the save; a cancelled save must leave no visible snapshot.</param>
    /// <returns>The stored record (see <see cref="SnapshotDraft.ToRecord"/>).</returns>
    protected abstract Task<SnapshotRecord> SaveCoreAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken);

    /// <summary>Lists a process's snapshots newest first (<see cref="SnapshotRecord.NewestFirst"/>); the process id is valid.</summary>
    /// <param name="processId">The validated process id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The records; empty when the process has none.</returns>
    protected abstract Task<IReadOnlyList<SnapshotRecord>> ListCoreAsync(string processId, CancellationToken cancellationToken);

    /// <summary>
    /// Loads a process's newest snapshot; the process id is valid. The default takes the first record of
    /// <see cref="ListCoreAsync"/>; override it when the store can fetch one record more cheaply.
    /// </summary>
    /// <param name="processId">The validated process id.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The newest record, or <see langword="null"/>.</returns>
    protected virtual async Task<SnapshotRecord?> LoadLatestCoreAsync(string processId, CancellationToken cancellationToken)
    {
        var records = await ListCoreAsync(processId, cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : records[0];
    }

    /// <summary>Keeps the <paramref name="keep"/> newest snapshots, deletes the rest with their blobs, and collects orphans (see <see cref="ISnapshotStore.PruneAsync"/>).</summary>
    /// <param name="processId">The validated process id.</param>
    /// <param name="keep">How many snapshots to keep; not negative.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The deleted records, newest first.</returns>
    protected abstract Task<IReadOnlyList<SnapshotRecord>> PruneCoreAsync(string processId, int keep, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a blob for reading; the process id is valid and the blob id non-empty. Throw
    /// <see cref="ArgumentException"/> for a blob id this store could never have issued and
    /// <see cref="SnapshotException"/> for one that does not exist (or belongs to another process).
    /// </summary>
    /// <param name="processId">The validated process id.</param>
    /// <param name="blobId">The blob id, not empty.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream the caller disposes; it must stream, not hold the whole blob in memory.</returns>
    protected abstract Task<Stream> OpenBlobCoreAsync(string processId, string blobId, CancellationToken cancellationToken);

    /// <summary>Releases what the store holds (connections, data sources) asynchronously; runs once, on the first <see cref="DisposeAsync"/>.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    /// <summary>
    /// Releases what the store holds synchronously (<paramref name="disposing"/> = <see langword="true"/>, from
    /// <see cref="Dispose()"/>), or what <see cref="DisposeAsyncCore"/> left (<see langword="false"/>, after it).
    /// </summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the store is disposed (for members a derived store adds).</summary>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    private void Prologue(string processId, CancellationToken cancellationToken)
    {
        ProcessIds.Validate(processId, nameof(processId));
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
