using System.Diagnostics;
using System.Text.Json;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Snapshots;

/// <content>File handling of the file-system store: locking, atomic writes, reading records, orphan collection.</content>
public sealed partial class FileSystemSnapshotStore
{
    private async Task<FileStream> AcquireLockAsync(string processId, CancellationToken cancellationToken)
    {
        var directory = ProcessDirectory(processId);
        PrivateFileSystem.CreateDirectory(directory);
        var path = Path.Combine(directory, ".lock");
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var waited = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                // FileShare.None takes an exclusive flock() on Unix: it excludes other processes and other handles in
                // this process alike, and the OS releases it if the holder dies.
                return new FileStream(path, options);
            }
            catch (IOException ex)
            {
                if (_lockTimeout != Timeout.InfiniteTimeSpan && waited.Elapsed >= _lockTimeout)
                {
                    throw new SnapshotException(
                        $"Timed out after {_lockTimeout} waiting for the snapshot lock of process {processId} ({path}).{Environment.NewLine}" +
                        "Another save or prune of the same process id is still running, or a process keeps the lock file open.",
                        ex);
                }

                if (delay == TimeSpan.FromMilliseconds(10))
                {
                    Log.WaitingForLock(_logger, processId, path);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
            }
        }
    }

    private static async Task<long> WriteBlobAsync(string directory, string blobId, Func<Stream, CancellationToken, Task> writer, List<string> written, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(directory, TemporaryPrefix + blobId);
        var target = Path.Combine(directory, blobId);
        written.Add(temporary);
        written.Add(target);
        long length;
        var file = new FileStream(temporary, PrivateFileSystem.NewFileOptions());
        await using (file.ConfigureAwait(false))
        {
            length = await BlobSinkStream.WriteAsync(file, writer, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            if (file.Length != length)
            {
                throw new SnapshotException($"Snapshot blob short write: {length} bytes were written but {temporary} holds {file.Length}.");
            }
        }

        File.Move(temporary, target);
        return length;
    }

    private static async Task WriteRecordAsync(string directory, SnapshotRecord record, List<string> written, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(directory, TemporaryPrefix + record.SnapshotId + RecordExtension);
        written.Add(temporary);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(SnapshotRecordDocument.From(record), SnapshotJsonContext.Default.SnapshotRecordDocument);
        var file = new FileStream(temporary, PrivateFileSystem.NewFileOptions(bufferSize: 0));
        await using (file.ConfigureAwait(false))
        {
            await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        cancellationToken.ThrowIfCancellationRequested();
        File.Move(temporary, Path.Combine(directory, record.SnapshotId + RecordExtension));

        // From here on the snapshot exists: a failure below must not delete its blobs.
        written.Clear();
        PrivateFileSystem.SyncDirectory(directory);
    }

    /// <summary>Reads every record of a process, newest first; unreadable ones are logged and reported, never returned.</summary>
    private async Task<(SnapshotRecord[] Records, bool AnyUnreadable)> ReadRecordsAsync(string processId, CancellationToken cancellationToken)
    {
        var directory = RecordsDirectory(processId);
        if (!Directory.Exists(directory))
        {
            return ([], false);
        }

        var records = new List<SnapshotRecord>();
        var anyUnreadable = false;
        foreach (var path in Directory.EnumerateFiles(directory, "*" + RecordExtension))
        {
            var snapshotId = Path.GetFileNameWithoutExtension(path);
            if (snapshotId.StartsWith('.'))
            {
                continue; // a temporary file of a save in progress or an interrupted one
            }

            try
            {
                if (!SnapshotRecordDocument.SnapshotIdPattern().IsMatch(snapshotId))
                {
                    throw new InvalidDataException("the file name is not a snapshot id");
                }

                var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                var document = JsonSerializer.Deserialize(bytes, SnapshotJsonContext.Default.SnapshotRecordDocument)
                    ?? throw new InvalidDataException("the file holds null");
                records.Add(document.ToRecord(processId, snapshotId));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // Pruned between listing and reading.
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                anyUnreadable = true;
                Log.RecordUnreadable(_logger, path, processId, ex);
            }
        }

        records.Sort(SnapshotRecord.NewestFirst);
        return ([.. records], anyUnreadable);
    }

    /// <summary>
    /// Deletes what interrupted saves and prunes left behind: temporary files, and blobs no record refers to. Runs
    /// under the process lock, so no save of this process id is in flight. Blobs are kept while any record is
    /// unreadable (it might refer to them).
    /// </summary>
    private async Task CollectOrphansAsync(string processId, CancellationToken cancellationToken)
    {
        var (records, anyUnreadable) = await ReadRecordsAsync(processId, cancellationToken).ConfigureAwait(false);
        CollectOrphans(processId, records, anyUnreadable);
    }

    /// <summary>Deletes temporary files and blobs no live record references (blobs only when every record was readable).</summary>
    private void CollectOrphans(string processId, IEnumerable<SnapshotRecord> records, bool anyUnreadable)
    {
        var referenced = records.SelectMany(r => new[] { r.SessionBlobId, r.WorkdirBlobId }).ToHashSet(StringComparer.Ordinal);
        foreach (var directory in new[] { RecordsDirectory(processId), BlobsDirectory(processId) })
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var path in Directory.EnumerateFiles(directory))
            {
                var name = Path.GetFileName(path);
                var orphan = name.StartsWith(TemporaryPrefix, StringComparison.Ordinal)
                    || (!anyUnreadable && directory.EndsWith(BlobsDirectoryName, StringComparison.Ordinal)
                        && SnapshotRecordDocument.BlobIdPattern().IsMatch(name) && !referenced.Contains(name));
                if (orphan && TryDelete(path))
                {
                    Log.OrphanDeleted(_logger, name, processId);
                }
            }
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            return PrivateFileSystem.TryDeleteFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CleanupFailed(_logger, path, ex);
            return false;
        }
    }
}
