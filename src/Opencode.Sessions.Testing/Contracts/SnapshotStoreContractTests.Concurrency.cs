using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Concurrent saves and prunes: nothing lost, nothing torn, each record pruned once.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>Gets how many saves the concurrency cases start at once (default 24: 12 for one process id, 12 for others).</summary>
    protected virtual int ConcurrentSaves => 24;

    /// <summary>Concurrent saves of one process id and of different ones: every record is listed and reads back its own bytes.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(180_000)]
    public async Task SaveAsync_ConcurrentSavesOfSameAndDifferentIds_LoseAndTearNothing(CancellationToken cancellationToken)
    {
        // Act
        var records = await Task.WhenAll(Enumerable.Range(0, ConcurrentSaves).Select(i => Task.Run(() => SaveInterleavedAsync(i, cancellationToken), cancellationToken))).ConfigureAwait(false);

        // Assert
        var same = await Store.ListAsync("same", cancellationToken).ConfigureAwait(false);
        Assert.That(same.Select(r => r.SnapshotId), Is.EquivalentTo(records.Where(r => r.ProcessId == "same").Select(r => r.SnapshotId)));
        Assert.That(same, Is.Ordered.Using(SnapshotRecord.NewestFirst));
        foreach (var record in records)
        {
            await AssertOwnBlobsAsync(record, cancellationToken).ConfigureAwait(false);
        }

        await AssertNoStrayBlobsAsync("same", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves race with prunes of the same process id: each record is pruned at most once, the newest survive, none is torn.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(180_000)]
    public async Task SaveAndPruneAsync_Concurrent_PruneEachRecordOnceAndTearNothing(CancellationToken cancellationToken)
    {
        // Act
        var saveTasks = Enumerable.Range(0, ConcurrentSaves).Select(i => Task.Run(() => SaveInterleavedAsync(i, cancellationToken), cancellationToken)).ToList();
        var pruneTasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => Store.PruneAsync("same", 3, cancellationToken), cancellationToken)).ToList();
        var saved = await Task.WhenAll(saveTasks).ConfigureAwait(false);
        var racingPrunes = await Task.WhenAll(pruneTasks).ConfigureAwait(false);
        var finalPrunes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Store.PruneAsync("same", 3, cancellationToken))).ConfigureAwait(false);

        // Assert: every "same" record was pruned exactly once or remains; the newest three remain.
        var pruned = racingPrunes.Concat(finalPrunes).SelectMany(p => p).Select(r => r.SnapshotId).ToList();
        Assert.That(pruned, Is.Unique);
        var remaining = await Store.ListAsync("same", cancellationToken).ConfigureAwait(false);
        var sameIds = saved.Where(r => r.ProcessId == "same").Select(r => r.SnapshotId);
        Assert.That(pruned.Concat(remaining.Select(r => r.SnapshotId)), Is.EquivalentTo(sameIds));
        var newestThree = saved.Where(r => r.ProcessId == "same").Order(SnapshotRecord.NewestFirst).Take(3).Select(r => r.SnapshotId);
        Assert.That(remaining.Select(r => r.SnapshotId), Is.EqualTo(newestThree));
        foreach (var record in remaining.Concat(saved.Where(r => r.ProcessId != "same")))
        {
            await AssertOwnBlobsAsync(record, cancellationToken).ConfigureAwait(false);
        }

        foreach (var record in saved.Where(r => pruned.Contains(r.SnapshotId)))
        {
            Assert.That(await BlobExistsAsync("same", record.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.False, $"workdir blob of pruned {record.SnapshotId}");
        }

        await AssertNoStrayBlobsAsync("same", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Save <paramref name="i"/>: even ones under "same", odd ones under "other-i"; blobs unique to the save, written in pieces with yields.</summary>
    private Task<SnapshotRecord> SaveInterleavedAsync(int i, CancellationToken cancellationToken) =>
        Store.SaveAsync(
            Draft(ConcurrentProcessOf(i), T0.AddSeconds(i)),
            Bytes(ConcurrentSession(i)),
            async (sink, token) =>
            {
                var bytes = ConcurrentWorkdir(i);
                await sink.WriteAsync(bytes.AsMemory(0, 2000), token).ConfigureAwait(false);
                await Task.Yield(); // let the other saves interleave with this one
                await sink.WriteAsync(bytes.AsMemory(2000), token).ConfigureAwait(false);
            },
            cancellationToken);

    private static string ConcurrentProcessOf(int i) => i % 2 == 0 ? "same" : $"other-{i}";

    private static byte[] ConcurrentSession(int i) => Pattern(1500 + i, 1000 + i);

    private static byte[] ConcurrentWorkdir(int i) => Pattern(70_000 + i, 2000 + i);

    /// <summary>Asserts that a record of a concurrency case belongs where it should and reads back exactly its own save's bytes.</summary>
    private async Task AssertOwnBlobsAsync(SnapshotRecord record, CancellationToken cancellationToken)
    {
        var i = (int)(record.CapturedAt - T0).TotalSeconds;
        Assert.That(record.ProcessId, Is.EqualTo(ConcurrentProcessOf(i)));
        Assert.That(await ReadBlobBytesAsync(record.ProcessId, record.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo(ConcurrentSession(i)), $"session blob of save {i}");
        Assert.That(await ReadBlobBytesAsync(record.ProcessId, record.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo(ConcurrentWorkdir(i)), $"workdir blob of save {i}");
    }
}
