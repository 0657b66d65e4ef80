using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// The default <see cref="ISnapshotStore"/>: snapshots as files under a private directory of this machine
/// (<c>&lt;root&gt;/&lt;processId&gt;/records/*.json</c> and <c>&lt;root&gt;/&lt;processId&gt;/blobs/*</c>; directories 0700, files 0600).
/// </summary>
/// <remarks>
/// <para>
/// Every file is written to a temporary name, flushed to disk and renamed into place, and the directory is synced, so
/// a crash never leaves a torn blob or record. Blobs are committed before the record that names them; a snapshot is
/// visible only once its record exists.
/// </para>
/// <para>
/// Saves and prunes of one process id hold an exclusive lock on <c>&lt;root&gt;/&lt;processId&gt;/.lock</c> (an OS file
/// lock, so it also works between processes on this machine), which makes concurrent saves of the same id safe and
/// lets each save or prune delete whatever an interrupted one left behind. Different process ids never contend.
/// Readers take no lock. Do not put the root on a network file system whose locks are unreliable.
/// </para>
/// </remarks>
public sealed partial class FileSystemSnapshotStore : SnapshotStoreBase
{
    private const string RecordsDirectoryName = "records";
    private const string BlobsDirectoryName = "blobs";
    private const string TemporaryPrefix = ".tmp-";
    private const string RecordExtension = ".json";

    private readonly ILogger _logger;
    private readonly TimeSpan _lockTimeout;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The options; <see langword="null"/> = defaults.</param>
    /// <param name="logger">The logger; <see langword="null"/> = no logging.</param>
    /// <exception cref="ArgumentOutOfRangeException">The lock timeout is negative (other than infinite).</exception>
    public FileSystemSnapshotStore(FileSystemSnapshotStoreOptions? options = null, ILogger<FileSystemSnapshotStore>? logger = null)
    {
        options ??= new FileSystemSnapshotStoreOptions();
        if (options.LockTimeout < TimeSpan.Zero && options.LockTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LockTimeout, "LockTimeout must not be negative.");
        }

        RootDirectory = Path.GetFullPath(string.IsNullOrEmpty(options.RootDirectory) ? Path.Combine(TaskPaths.DataRoot(), "snapshots") : options.RootDirectory);
        _lockTimeout = options.LockTimeout;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the absolute directory the snapshots are stored in.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc/>
    protected override async Task<SnapshotRecord> SaveCoreAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken)
    {
        var processId = draft.ProcessId;
        var (records, blobs) = (RecordsDirectory(processId), BlobsDirectory(processId));
        PrivateFileSystem.CreateDirectory(records);
        PrivateFileSystem.CreateDirectory(blobs);

        var processLock = await AcquireLockAsync(processId, cancellationToken).ConfigureAwait(false);
        await using (processLock.ConfigureAwait(false))
        {
            if (File.Exists(RecordPath(processId, draft.SnapshotId)))
            {
                throw new SnapshotException($"Snapshot {draft.SnapshotId} of process {processId} already exists in {RootDirectory}; every save needs a new SnapshotDraft.SnapshotId.");
            }

            await CollectOrphansAsync(processId, cancellationToken).ConfigureAwait(false);
            var sessionBlobId = NewBlobId();
            var workdirBlobId = NewBlobId();
            var written = new List<string>();
            try
            {
                var sessionLength = await WriteBlobAsync(blobs, sessionBlobId, writeSessionBlob, written, cancellationToken).ConfigureAwait(false);
                var workdirLength = await WriteBlobAsync(blobs, workdirBlobId, writeWorkdirBlob, written, cancellationToken).ConfigureAwait(false);
                PrivateFileSystem.SyncDirectory(blobs); // both blob renames are durable before the record exists

                var record = draft.ToRecord(sessionBlobId, sessionLength, workdirBlobId, workdirLength);
                await WriteRecordAsync(records, record, written, cancellationToken).ConfigureAwait(false);
                Log.SnapshotSaved(_logger, record.SnapshotId, processId, sessionLength, workdirLength);
                return record;
            }
            catch (Exception ex)
            {
                foreach (var path in written)
                {
                    TryDelete(path);
                }

                if (ex is not OperationCanceledException)
                {
                    Log.SnapshotSaveFailed(_logger, processId, ex);
                }

                throw;
            }
        }
    }

    /// <inheritdoc/>
    protected override async Task<IReadOnlyList<SnapshotRecord>> ListCoreAsync(string processId, CancellationToken cancellationToken)
    {
        var (records, _) = await ReadRecordsAsync(processId, cancellationToken).ConfigureAwait(false);
        return records;
    }

    /// <inheritdoc/>
    protected override async Task<IReadOnlyList<SnapshotRecord>> PruneCoreAsync(string processId, int keep, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(ProcessDirectory(processId)))
        {
            return [];
        }

        var processLock = await AcquireLockAsync(processId, cancellationToken).ConfigureAwait(false);
        await using (processLock.ConfigureAwait(false))
        {
            var (records, anyUnreadable) = await ReadRecordsAsync(processId, cancellationToken).ConfigureAwait(false);
            var pruned = records.Skip(keep).ToArray();
            if (pruned.Length > 0)
            {
                // Records first: once they are gone the snapshots are invisible, and their blobs are plain orphans.
                foreach (var record in pruned)
                {
                    TryDelete(RecordPath(processId, record.SnapshotId));
                }

                PrivateFileSystem.SyncDirectory(RecordsDirectory(processId));
                foreach (var record in pruned)
                {
                    TryDelete(BlobPath(processId, record.SessionBlobId));
                    TryDelete(BlobPath(processId, record.WorkdirBlobId));
                    Log.SnapshotPruned(_logger, record.SnapshotId, processId, record.CapturedAt);
                }
            }

            // The records are known here: no second read of the records directory.
            CollectOrphans(processId, records.Take(keep), anyUnreadable);
            return pruned;
        }
    }

    /// <inheritdoc/>
    protected override Task<Stream> OpenBlobCoreAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        if (!SnapshotRecordDocument.BlobIdPattern().IsMatch(blobId))
        {
            throw new ArgumentException($"'{blobId}' is not a blob id of the file-system snapshot store (32 lowercase hex digits).", nameof(blobId));
        }

        var path = BlobPath(processId, blobId);
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, PrivateFileSystem.ReadOptions()));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnapshotException(
                $"Blob {blobId} of process {processId} does not exist in {RootDirectory}.{Environment.NewLine}" +
                "It was pruned or deleted after its record was read; load the latest snapshot again.",
                ex);
        }
    }

    private static string NewBlobId() => Guid.NewGuid().ToString("N");

    private string ProcessDirectory(string processId) => Path.Combine(RootDirectory, processId);

    private string RecordsDirectory(string processId) => Path.Combine(RootDirectory, processId, RecordsDirectoryName);

    private string BlobsDirectory(string processId) => Path.Combine(RootDirectory, processId, BlobsDirectoryName);

    private string RecordPath(string processId, string snapshotId) => Path.Combine(RecordsDirectory(processId), snapshotId + RecordExtension);

    private string BlobPath(string processId, string blobId) => Path.Combine(BlobsDirectory(processId), blobId);
}
