using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Listing and loading: newest first, per process.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>A process without snapshots has no latest, an empty list and nothing to prune.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task LoadLatestAsync_UnknownProcess_ReturnsNull(CancellationToken cancellationToken)
    {
        Assert.That(await Store.LoadLatestAsync("nobody", cancellationToken).ConfigureAwait(false), Is.Null);
        Assert.That(await Store.ListAsync("nobody", cancellationToken).ConfigureAwait(false), Is.Empty);
        Assert.That(await Store.PruneAsync("nobody", 5, cancellationToken).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Records list newest capture time first, ties broken by the higher snapshot id (<see cref="SnapshotRecord.NewestFirst"/>).</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task ListAsync_SeveralSnapshots_NewestFirstWithTiesBrokenById(CancellationToken cancellationToken)
    {
        var middle1 = await SaveAsync("p1", T0.AddMinutes(5), cancellationToken).ConfigureAwait(false);
        var oldest = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        var middle2 = await SaveAsync("p1", T0.AddMinutes(5), cancellationToken).ConfigureAwait(false);
        var newest = await SaveAsync("p1", T0.AddMinutes(9), cancellationToken).ConfigureAwait(false);
        await SaveAsync("other", T0.AddHours(1), cancellationToken).ConfigureAwait(false);

        var list = await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false);

        var tie = new[] { middle1, middle2 }.OrderByDescending(r => r.SnapshotId, StringComparer.Ordinal).Select(r => r.SnapshotId);
        Assert.That(list.Select(r => r.SnapshotId), Is.EqualTo(new[] { newest.SnapshotId }.Concat(tie).Append(oldest.SnapshotId)));
        Assert.That(list, Is.Ordered.Using(SnapshotRecord.NewestFirst));
        Assert.That((await Store.LoadLatestAsync("p1", cancellationToken).ConfigureAwait(false))!.SnapshotId, Is.EqualTo(newest.SnapshotId));
    }

    /// <summary>Each process sees only its own records; a record saved later but captured earlier is not the latest.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task ListAsync_SeveralProcesses_EachSeesOnlyItsOwn(CancellationToken cancellationToken)
    {
        var a = await SaveAsync("proc-a", T0.AddMinutes(2), cancellationToken).ConfigureAwait(false);
        var b = await SaveAsync("proc-b", T0.AddMinutes(3), cancellationToken).ConfigureAwait(false);
        var aEarlier = await SaveAsync("proc-a", T0, cancellationToken).ConfigureAwait(false);

        Assert.That((await Store.ListAsync("proc-a", cancellationToken).ConfigureAwait(false)).Select(r => r.SnapshotId), Is.EqualTo(new[] { a.SnapshotId, aEarlier.SnapshotId }));
        Assert.That((await Store.ListAsync("proc-b", cancellationToken).ConfigureAwait(false)).Select(r => r.SnapshotId), Is.EqualTo(new[] { b.SnapshotId }));
        Assert.That((await Store.LoadLatestAsync("proc-a", cancellationToken).ConfigureAwait(false))!.SnapshotId, Is.EqualTo(a.SnapshotId));
        Assert.That(await Store.ListAsync("proc", cancellationToken).ConfigureAwait(false), Is.Empty, "no prefix matching");
    }

    /// <summary>A blob is opened only under the process it belongs to.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task OpenBlobAsync_BlobOfAnotherProcess_ThrowsSnapshotException(CancellationToken cancellationToken)
    {
        var record = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);

        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p2", record.SessionBlobId, cancellationToken)).ConfigureAwait(false);
        Assert.That(await ReadBlobAsync("p1", record.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("session"));
    }
}
