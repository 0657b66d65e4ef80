using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.ExtensionTests.Stores;

/// <summary>
/// A small snapshot store a third party could write with the public API alone: one directory per process id, one
/// JSON file per record (<c>&lt;snapshotId&gt;.record.json</c>) and one file per blob (<c>&lt;blobId&gt;.blob</c>).
/// </summary>
/// <remarks>
/// Files are written under a temporary name and renamed into place, blobs before the record, so a failed save leaves
/// no visible snapshot; what it leaves is deleted on the spot or collected by the next prune. Saves and prunes of one
/// process id take an in-process lock (this store is for one process only); reads take none.
/// </remarks>
public sealed partial class DirectorySnapshotStore : SnapshotStoreBase
{
    private const string RecordSuffix = ".record.json";
    private const string BlobSuffix = ".blob";
    private const string TemporaryPrefix = ".tmp-";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance.</summary>
    /// <param name="root">The directory everything is stored under (created when missing).</param>
    public DirectorySnapshotStore(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>Gets the directory everything is stored under.</summary>
    public string Root { get; }

    /// <summary>Gets the path of a blob's file.</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="blobId">The blob id.</param>
    /// <returns>The path (the file may not exist).</returns>
    public string BlobPath(string processId, string blobId) => Path.Combine(Root, processId, blobId + BlobSuffix);

    /// <inheritdoc/>
    protected override async Task<SnapshotRecord> SaveCoreAsync(
        SnapshotDraft draft,
        Func<Stream, CancellationToken, Task> writeSessionBlob,
        Func<Stream, CancellationToken, Task> writeWorkdirBlob,
        CancellationToken cancellationToken)
    {
        var directory = Directory.CreateDirectory(Path.Combine(Root, draft.ProcessId)).FullName;
        var gate = _locks.GetOrAdd(draft.ProcessId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var written = new List<string>();
        try
        {
            var recordPath = Path.Combine(directory, draft.SnapshotId + RecordSuffix);
            if (File.Exists(recordPath))
            {
                throw new SnapshotException($"Snapshot {draft.SnapshotId} of process {draft.ProcessId} already exists in {Root}.");
            }

            var (sessionId, sessionLength) = await WriteBlobAsync(directory, writeSessionBlob, written, cancellationToken).ConfigureAwait(false);
            var (workdirId, workdirLength) = await WriteBlobAsync(directory, writeWorkdirBlob, written, cancellationToken).ConfigureAwait(false);
            var record = draft.ToRecord(sessionId, sessionLength, workdirId, workdirLength);
            var temporary = Path.Combine(directory, TemporaryPrefix + draft.SnapshotId + RecordSuffix);
            written.Add(temporary);
            await File.WriteAllBytesAsync(temporary, JsonSerializer.SerializeToUtf8Bytes(record), cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temporary, recordPath);
            return record; // visible from here on: nothing below may delete its blobs
        }
        catch
        {
            foreach (var path in written)
            {
                File.Delete(path);
            }

            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc/>
    protected override async Task<IReadOnlyList<SnapshotRecord>> ListCoreAsync(string processId, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Root, processId);
        var records = new List<SnapshotRecord>();
        if (!Directory.Exists(directory))
        {
            return records;
        }

        foreach (var path in Directory.EnumerateFiles(directory, "*" + RecordSuffix))
        {
            if (Path.GetFileName(path).StartsWith(TemporaryPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                records.Add(JsonSerializer.Deserialize<SnapshotRecord>(bytes) ?? throw new SnapshotException($"{path} holds no record."));
            }
            catch (FileNotFoundException)
            {
                // Pruned between listing and reading.
            }
        }

        records.Sort(SnapshotRecord.NewestFirst);
        return records;
    }

    /// <inheritdoc/>
    protected override async Task<IReadOnlyList<SnapshotRecord>> PruneCoreAsync(string processId, int keep, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(processId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var records = await ListCoreAsync(processId, cancellationToken).ConfigureAwait(false);
            var pruned = records.Skip(keep).ToList();
            foreach (var record in pruned)
            {
                File.Delete(Path.Combine(Root, processId, record.SnapshotId + RecordSuffix)); // records first: then blobs are orphans
            }

            // Orphans: blobs no kept record names, and temporary files. Saves hold the same lock, so none is in flight.
            var referenced = records.Take(keep).SelectMany(r => new[] { r.SessionBlobId + BlobSuffix, r.WorkdirBlobId + BlobSuffix }).ToHashSet(StringComparer.Ordinal);
            var directory = Path.Combine(Root, processId);
            if (Directory.Exists(directory))
            {
                foreach (var path in Directory.EnumerateFiles(directory))
                {
                    var name = Path.GetFileName(path);
                    if (name.StartsWith(TemporaryPrefix, StringComparison.Ordinal) || (name.EndsWith(BlobSuffix, StringComparison.Ordinal) && !referenced.Contains(name)))
                    {
                        File.Delete(path);
                    }
                }
            }

            return pruned;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc/>
    protected override Task<Stream> OpenBlobCoreAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        if (!BlobId().IsMatch(blobId))
        {
            throw new ArgumentException($"'{blobId}' is not a blob id of this store (32 lowercase hex digits).", nameof(blobId));
        }

        try
        {
            return Task.FromResult<Stream>(new FileStream(BlobPath(processId, blobId), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: true));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnapshotException($"Blob {blobId} of process {processId} does not exist (pruned or never saved).", ex);
        }
    }

    /// <summary>Writes one blob to a temporary file through the public <see cref="BlobSinkStream"/>, then renames it into place.</summary>
    private static async Task<(string Id, long Length)> WriteBlobAsync(string directory, Func<Stream, CancellationToken, Task> writer, List<string> written, CancellationToken cancellationToken)
    {
        var blobId = Guid.NewGuid().ToString("N");
        var temporary = Path.Combine(directory, TemporaryPrefix + blobId + BlobSuffix);
        var target = Path.Combine(directory, blobId + BlobSuffix);
        written.Add(temporary);
        written.Add(target);
        long length;
        var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            length = await BlobSinkStream.WriteAsync(file, writer, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, target);
        return (blobId, length);
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex BlobId();
}
