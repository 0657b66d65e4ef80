using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Captures and restores snapshots for the session lifecycle: moves the exported session and the work directory
/// between a host and an <see cref="ISnapshotStore"/>, through the <see cref="IBlobCipher"/> when one is configured.
/// Everything is streamed; memory does not grow with the size of the work directory.
/// </summary>
internal sealed class SnapshotService
{
    /// <summary>Name of the export scratch file in the task directory (never in the work directory, never archived).</summary>
    public const string ExportScratchName = WorkdirExclusions.ExportScratchName;

    /// <summary>Name of the import scratch file in the task directory.</summary>
    public const string ImportScratchName = WorkdirExclusions.ImportScratchName;

    private static readonly TimeSpan ScratchCleanupTimeout = TimeSpan.FromSeconds(30);
    private static readonly UnixFileMode ScratchMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly IBlobCipher? _cipher;
    private readonly bool _encryptWorkdir;
    private readonly IReadOnlyList<string> _exclude;
    private readonly int _retention;
    private readonly bool _allowUnencrypted;
    private readonly WorkdirRestoreLimits _restoreLimits;
    private readonly ILogger _logger;

    /// <param name="store">Where snapshots are stored.</param>
    /// <param name="cipher">The cipher for the session blob (and the workdir blob if <paramref name="encryptWorkdir"/>), or <see langword="null"/>.</param>
    /// <param name="encryptWorkdir">Whether the workdir blob is encrypted too (needs a cipher).</param>
    /// <param name="exclude">The configured exclude list: <see langword="null"/> = defaults, empty = nothing excluded.</param>
    /// <param name="retention">How many snapshots per process id are kept.</param>
    /// <param name="logger">The logger, or <see langword="null"/>.</param>
    /// <param name="allowUnencrypted">Whether a record whose blobs are stored unencrypted may be restored although a cipher is configured.</param>
    /// <param name="restoreLimits">The caps on a workdir restore; <see langword="null"/> = <see cref="WorkdirRestoreLimits.Default"/>.</param>
    public SnapshotService(ISnapshotStore store, IBlobCipher? cipher, bool encryptWorkdir, IReadOnlyList<string>? exclude, int retention, ILogger? logger, bool allowUnencrypted = false, WorkdirRestoreLimits? restoreLimits = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfNegative(retention);
        Store = store;
        _cipher = cipher;
        _encryptWorkdir = encryptWorkdir && cipher is not null;
        _exclude = WorkdirExclusions.Effective(exclude);
        _retention = retention;
        _allowUnencrypted = allowUnencrypted;
        _restoreLimits = restoreLimits ?? WorkdirRestoreLimits.Default;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the store (for <see cref="ISnapshotStore.LoadLatestAsync"/> at resume).</summary>
    public ISnapshotStore Store { get; }

    /// <summary>
    /// Exports the session into a scratch file in the task directory, saves it (encrypted if a cipher is set) and the
    /// work directory as tar.gz (encrypted if configured) as one snapshot, then prunes to the retention count.
    /// </summary>
    /// <param name="host">The host the session ran on (opencode already stopped).</param>
    /// <param name="request">What is snapshotted.</param>
    /// <param name="exportSession">Writes the exported session JSON to the given host path and fails unless the export succeeded.</param>
    /// <param name="cancellationToken">A token to cancel the capture; a cancelled capture stores nothing.</param>
    /// <returns>The stored record.</returns>
    /// <exception cref="SnapshotException">The export was empty or the store failed.</exception>
    public async Task<SnapshotRecord> CaptureAsync(IHost host, SnapshotCaptureRequest request, Func<string, CancellationToken, Task> exportSession, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(exportSession);
        var scratch = HostPath.Combine(host.TaskDirectory, ExportScratchName);
        var draft = CreateDraft(request);
        SnapshotRecord record;
        try
        {
            await exportSession(scratch, cancellationToken).ConfigureAwait(false);
            record = await Store.SaveAsync(
                draft,
                (sink, token) => WriteSessionBlobAsync(host, scratch, sink, new BlobCipherContext(draft.ProcessId, draft.SnapshotId, SnapshotBlobRole.Session), token),
                (sink, token) => WriteWorkdirBlobAsync(host, sink, new BlobCipherContext(draft.ProcessId, draft.SnapshotId, SnapshotBlobRole.Workdir), token),
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await RemoveScratchAsync(host, scratch).ConfigureAwait(false);
        }

        return await CompleteAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Saves a session export already in memory (read from the live server) and the work directory as one snapshot,
    /// then prunes to the retention count. Nothing is written to the host: no scratch file, no second opencode.
    /// </summary>
    /// <param name="host">The host the session ran on (opencode already stopped).</param>
    /// <param name="request">What is snapshotted.</param>
    /// <param name="sessionExport">The export document, in the format <c>opencode import</c> reads.</param>
    /// <param name="cancellationToken">A token to cancel the capture; a cancelled capture stores nothing.</param>
    /// <returns>The stored record.</returns>
    /// <exception cref="SnapshotException">The export was empty or the store failed.</exception>
    public async Task<SnapshotRecord> CaptureAsync(IHost host, SnapshotCaptureRequest request, ReadOnlyMemory<byte> sessionExport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        if (sessionExport.IsEmpty)
        {
            throw new SnapshotException(
                $"The session export of {request.SessionId} is empty, so no snapshot was saved.{Environment.NewLine}" +
                "The live server returned no transcript; the CLI export (opencode export) is the fallback.");
        }

        var draft = CreateDraft(request);
        var record = await Store.SaveAsync(
            draft,
            (sink, token) => WriteSessionBlobAsync(new MemoryStream(sessionExport.ToArray(), writable: false), sink, new BlobCipherContext(draft.ProcessId, draft.SnapshotId, SnapshotBlobRole.Session), token),
            (sink, token) => WriteWorkdirBlobAsync(host, sink, new BlobCipherContext(draft.ProcessId, draft.SnapshotId, SnapshotBlobRole.Workdir), token),
            cancellationToken).ConfigureAwait(false);
        return await CompleteAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Restores a snapshot onto a host: decrypts the session blob into a scratch file in the task directory (so a wrong
    /// key fails before the work directory is touched), replaces the work directory with the archive, then runs
    /// <paramref name="importSession"/> on the scratch file. The scratch file is always removed.
    /// </summary>
    /// <param name="host">The host (connected, task directory set up).</param>
    /// <param name="record">The snapshot to restore (usually the latest).</param>
    /// <param name="importSession">Imports the session JSON at the given host path into opencode's database.</param>
    /// <param name="cancellationToken">A token to cancel the restore.</param>
    /// <returns>A task that completes when the snapshot is restored and imported.</returns>
    /// <exception cref="BlobCipherException">
    /// A blob could not be decrypted (wrong or missing key, tampered data, a blob of another process, snapshot or role),
    /// or a cipher is configured and the record says a blob is stored unencrypted (a downgrade) without the opt-in.
    /// </exception>
    /// <exception cref="WorkdirRestoreLimitException">The workdir archive crossed a <see cref="WorkdirRestoreLimits"/> cap.</exception>
    /// <exception cref="UnsafeArchiveEntryException">The workdir archive holds an entry that could escape the work directory.</exception>
    /// <exception cref="SnapshotException">A blob is missing from the store.</exception>
    public async Task RestoreAsync(IHost host, SnapshotRecord record, Func<string, CancellationToken, Task> importSession, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(importSession);
        if ((record.SessionBlobEncrypted || record.WorkdirBlobEncrypted) && _cipher is null)
        {
            throw new BlobCipherException(
                $"Could not decrypt the blobs of snapshot {record.SnapshotId} (process {record.ProcessId}): they were stored encrypted, but no cipher is configured.{Environment.NewLine}" +
                "Set SessionBlobCipher to a cipher with the key the snapshot was saved with, or restart without resume to run fresh.");
        }

        RefuseDowngrade(record);

        var scratch = HostPath.Combine(host.TaskDirectory, ImportScratchName);
        try
        {
            await CopyBlobAsync(record, SnapshotBlobRole.Session, (content, token) => host.WriteFileAsync(scratch, content, ScratchMode, token), cancellationToken).ConfigureAwait(false);
            await CopyBlobAsync(record, SnapshotBlobRole.Workdir, (content, token) => RestoreWorkdirAsync(host, content, token), cancellationToken).ConfigureAwait(false);
            await importSession(scratch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await RemoveScratchAsync(host, scratch).ConfigureAwait(false);
        }

        Log.RestoreCompleted(_logger, record.SnapshotId, record.ProcessId, record.CapturedAt, host.DisplayName);
    }

    private async Task RestoreWorkdirAsync(IHost host, Stream archive, CancellationToken cancellationToken)
    {
        var guarded = new WorkdirRestoreGuard(archive, _restoreLimits);
        await using (guarded.ConfigureAwait(false))
        {
            await host.RestoreWorkdirAsync(guarded, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// With a cipher configured, a blob the configuration encrypts must be stored encrypted: a record claiming otherwise
    /// is a forged or downgraded snapshot (its blob would skip authentication) and is refused unless the caller opted in.
    /// </summary>
    private void RefuseDowngrade(SnapshotRecord record)
    {
        if (_cipher is null || _allowUnencrypted)
        {
            return;
        }

        var clear = (record.SessionBlobEncrypted, record.WorkdirBlobEncrypted || !_encryptWorkdir) switch
        {
            (false, false) => "session and workdir blobs are",
            (false, true) => "session blob is",
            (true, false) => "workdir blob is",
            _ => null,
        };
        if (clear is not null)
        {
            throw new BlobCipherException(
                $"Refused to restore snapshot {record.SnapshotId} (process {record.ProcessId}): its record says its {clear} stored unencrypted, but a cipher is configured, " +
                $"so the blob cannot be authenticated and may have been forged or swapped.{Environment.NewLine}" +
                $"Delete the snapshot (or run without resume) to start fresh. If the snapshot is genuine (saved before encryption was enabled), set " +
                $"{nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.AllowUnencryptedSnapshots)} = true for one run.");
        }
    }

    private SnapshotDraft CreateDraft(SnapshotCaptureRequest request)
    {
        var draft = new SnapshotDraft
        {
            SnapshotId = SnapshotDraft.NewSnapshotId(request.CapturedAt),
            ProcessId = request.ProcessId,
            SessionId = request.SessionId,
            EndState = request.EndState,
            CapturedAt = request.CapturedAt,
            DeliverablesEmitted = request.DeliverablesEmitted ?? [],
            SessionBlobEncrypted = _cipher is not null,
            WorkdirBlobEncrypted = _encryptWorkdir,
        };
        draft.Validate();
        return draft;
    }

    /// <summary>Logs the stored snapshot and prunes to the retention count (a failed prune is logged, never thrown).</summary>
    private async Task<SnapshotRecord> CompleteAsync(SnapshotRecord record, CancellationToken cancellationToken)
    {
        Log.CaptureCompleted(_logger, record.SnapshotId, record.ProcessId, record.EndState, record.SessionBlobEncrypted, record.WorkdirBlobEncrypted);
        try
        {
            await Store.PruneAsync(record.ProcessId, _retention, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.PruneAfterCaptureFailed(_logger, record.SnapshotId, record.ProcessId, ex);
        }

        return record;
    }

    private async Task WriteSessionBlobAsync(IHost host, string scratch, Stream sink, BlobCipherContext context, CancellationToken cancellationToken)
    {
        var file = await host.OpenReadAsync(scratch, cancellationToken).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            if (await WriteSessionBlobAsync(file, sink, context, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new SnapshotException(
                    $"The exported session file {scratch} on {host.DisplayName} is empty, so no snapshot was saved.{Environment.NewLine}" +
                    "The session export produced no output; check that opencode export succeeded for this session.");
            }
        }
    }

    /// <summary>Copies (or encrypts) the session export into the store's sink.</summary>
    /// <returns>How many bytes of the export were read.</returns>
    private async Task<long> WriteSessionBlobAsync(Stream export, Stream sink, BlobCipherContext context, CancellationToken cancellationToken)
    {
        var counted = new CountingReadStream(export);
        if (_cipher is not null)
        {
            await _cipher.EncryptAsync(counted, sink, context, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await counted.CopyToAsync(sink, cancellationToken).ConfigureAwait(false);
        }

        return counted.BytesRead;
    }

    private Task WriteWorkdirBlobAsync(IHost host, Stream sink, BlobCipherContext context, CancellationToken cancellationToken) =>
        _encryptWorkdir
            ? StreamPipe.RunAsync((pipe, token) => host.ArchiveWorkdirAsync(pipe, _exclude, token), (pipe, token) => _cipher!.EncryptAsync(pipe, sink, context, token), cancellationToken)
            : host.ArchiveWorkdirAsync(sink, _exclude, cancellationToken);

    /// <summary>Streams a blob (decrypted when it was stored encrypted) into a pull-style consumer.</summary>
    private async Task CopyBlobAsync(SnapshotRecord record, SnapshotBlobRole role, Func<Stream, CancellationToken, Task> consumer, CancellationToken cancellationToken)
    {
        var (blobId, encrypted, blobName) = role == SnapshotBlobRole.Session
            ? (record.SessionBlobId, record.SessionBlobEncrypted, "session")
            : (record.WorkdirBlobId, record.WorkdirBlobEncrypted, "workdir");
        var context = new BlobCipherContext(record.ProcessId, record.SnapshotId, role);
        var blob = await Store.OpenBlobAsync(record.ProcessId, blobId, cancellationToken).ConfigureAwait(false);
        await using (blob.ConfigureAwait(false))
        {
            if (!encrypted)
            {
                if (_cipher is not null)
                {
                    Log.RestoringUnencryptedBlob(_logger, blobName, record.SnapshotId);
                }

                await consumer(blob, cancellationToken).ConfigureAwait(false);
                return;
            }

            // The consumer only ever sees authenticated chunks; if a later chunk fails, the consumer's read fails too
            // and the BlobCipherException is what surfaces.
            await StreamPipe.RunAsync((pipe, token) => _cipher!.DecryptAsync(blob, pipe, context, token), consumer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RemoveScratchAsync(IHost host, string scratch)
    {
        using var timeout = new CancellationTokenSource(ScratchCleanupTimeout);
        try
        {
            await host.RemoveFileAsync(scratch, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.ScratchRemoveFailed(_logger, scratch, host.DisplayName, ex);
        }
    }
}
