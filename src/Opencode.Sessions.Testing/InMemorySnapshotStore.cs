using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing;

/// <summary>
/// An <see cref="ISnapshotStore"/> that keeps everything in memory, for tests. It follows the same contract as the
/// real stores (validation, ordering, atomic saves, pruning with blobs; it passes the store contract kit except the
/// streaming case) and lets a test look inside.
/// </summary>
/// <remarks>Blobs are held as byte arrays, so this store is not meant for large work directories. Thread-safe.</remarks>
public sealed class InMemorySnapshotStore : SnapshotStoreBase
{
    private readonly object _gate = new();
    private readonly List<SnapshotRecord> _records = [];
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private long _nextId;

    /// <summary>Gets a copy of every stored record, newest first across all process ids.</summary>
    public IReadOnlyList<SnapshotRecord> Records
    {
        get
        {
            lock (_gate)
            {
                var copy = _records.ToList();
                copy.Sort(SnapshotRecord.NewestFirst);
                return copy;
            }
        }
    }

    /// <summary>Gets how many blobs are stored (two per snapshot; a failed save leaves none).</summary>
    public int BlobCount
    {
        get
        {
            lock (_gate)
            {
                return _blobs.Count;
            }
        }
    }

    /// <summary>Returns a copy of a stored blob's bytes.</summary>
    /// <param name="blobId">The blob id from a record.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="KeyNotFoundException">No such blob.</exception>
    public byte[] GetBlob(string blobId)
    {
        lock (_gate)
        {
            return _blobs.TryGetValue(blobId, out var bytes) ? bytes.ToArray() : throw new KeyNotFoundException($"No blob '{blobId}' is stored.");
        }
    }

    /// <inheritdoc/>
    protected override async Task<SnapshotRecord> SaveCoreAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken)
    {

        // Nothing becomes visible until both writers succeeded, exactly like a real store's record-last commit.
        var session = await CaptureAsync(writeSessionBlob, cancellationToken).ConfigureAwait(false);
        var workdir = await CaptureAsync(writeWorkdirBlob, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_records.Any(r => r.ProcessId == draft.ProcessId && r.SnapshotId == draft.SnapshotId))
            {
                throw new SnapshotException($"Snapshot {draft.SnapshotId} of process {draft.ProcessId} already exists; every save needs a new SnapshotDraft.SnapshotId.");
            }

            var id = ++_nextId;
            var record = draft.ToRecord($"session-{id}", session.Length, $"workdir-{id}", workdir.Length);
            _blobs[record.SessionBlobId] = session;
            _blobs[record.WorkdirBlobId] = workdir;
            _records.Add(record);
            return record;
        }
    }

    /// <inheritdoc/>
    protected override Task<IReadOnlyList<SnapshotRecord>> ListCoreAsync(string processId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SnapshotRecord>>(SortedFor(processId));
        }
    }

    /// <inheritdoc/>
    protected override Task<IReadOnlyList<SnapshotRecord>> PruneCoreAsync(string processId, int keep, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var pruned = SortedFor(processId).Skip(keep).ToArray();
            foreach (var record in pruned)
            {
                _records.Remove(record);
                _blobs.Remove(record.SessionBlobId);
                _blobs.Remove(record.WorkdirBlobId);
            }

            return Task.FromResult<IReadOnlyList<SnapshotRecord>>(pruned);
        }
    }

    /// <inheritdoc/>
    protected override Task<Stream> OpenBlobCoreAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var owned = _records.Any(r => r.ProcessId == processId && (r.SessionBlobId == blobId || r.WorkdirBlobId == blobId));
            if (!owned || !_blobs.TryGetValue(blobId, out var bytes))
            {
                throw new SnapshotException($"Blob {blobId} of process {processId} does not exist in the in-memory store (pruned or never saved).");
            }

            return Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));
        }
    }

    private static async Task<byte[]> CaptureAsync(Func<Stream, CancellationToken, Task> writer, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await BlobSinkStream.WriteAsync(buffer, writer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private List<SnapshotRecord> SortedFor(string processId)
    {
        var records = _records.Where(r => r.ProcessId == processId).ToList();
        records.Sort(SnapshotRecord.NewestFirst);
        return records;
    }
}
