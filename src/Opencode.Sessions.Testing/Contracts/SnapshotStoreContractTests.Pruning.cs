using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Pruning: the newest are kept, the others go with their blobs, orphans are collected.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>Keeping five of six deletes the oldest record and both its blobs, and returns it.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task PruneAsync_SixSnapshots_KeepsNewestFiveAndDeletesTheOldestsBlobs(CancellationToken cancellationToken)
    {
        var saved = new List<SnapshotRecord>();
        for (var i = 0; i < 6; i++)
        {
            saved.Add(await SaveAsync("p1", T0.AddMinutes(i), cancellationToken).ConfigureAwait(false));
        }

        var pruned = await Store.PruneAsync("p1", 5, cancellationToken).ConfigureAwait(false);

        Assert.That(pruned.Select(r => r.SnapshotId), Is.EqualTo(new[] { saved[0].SnapshotId }));
        var remaining = await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false);
        Assert.That(remaining.Select(r => r.SnapshotId), Is.EquivalentTo(saved.Skip(1).Select(r => r.SnapshotId)));
        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p1", saved[0].SessionBlobId, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p1", saved[0].WorkdirBlobId, cancellationToken)).ConfigureAwait(false);
        Assert.That(await BlobExistsAsync("p1", saved[0].SessionBlobId, cancellationToken).ConfigureAwait(false), Is.False, "the pruned session blob is deleted");
        Assert.That(await BlobExistsAsync("p1", saved[0].WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.False, "the pruned workdir blob is deleted");
        Assert.That(await BlobExistsAsync("p1", saved[1].WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.True);
        Assert.That(await ReadBlobAsync("p1", saved[1].WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("workdir"));
        await AssertNoStrayBlobsAsync("p1", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeping none deletes every snapshot of the process, returns them newest first, and leaves other processes alone.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task PruneAsync_KeepZero_DeletesAllOfThatProcessNewestFirst(CancellationToken cancellationToken)
    {
        var older = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        var newer = await SaveAsync("p1", T0.AddMinutes(1), cancellationToken).ConfigureAwait(false);
        var other = await SaveAsync("p2", T0, cancellationToken).ConfigureAwait(false);

        var pruned = await Store.PruneAsync("p1", 0, cancellationToken).ConfigureAwait(false);

        Assert.That(pruned.Select(r => r.SnapshotId), Is.EqualTo(new[] { newer.SnapshotId, older.SnapshotId }));
        Assert.That(await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false), Is.Empty);
        Assert.That(await Store.LoadLatestAsync("p1", cancellationToken).ConfigureAwait(false), Is.Null);
        Assert.That(await Store.PruneAsync("p1", 0, cancellationToken).ConfigureAwait(false), Is.Empty, "a second prune finds nothing");
        Assert.That((await Store.ListAsync("p2", cancellationToken).ConfigureAwait(false)).Single().SnapshotId, Is.EqualTo(other.SnapshotId));
        Assert.That(await ReadBlobAsync("p2", other.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("session"));
        await AssertNoStrayBlobsAsync("p1", cancellationToken).ConfigureAwait(false);
    }
}
