using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Atomic saves: a writer that throws or a cancelled save leaves nothing visible.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>A session or workdir writer that throws after writing part of its blob leaves the previous snapshot as the latest.</summary>
    /// <param name="failingRole">Which writer throws.</param>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [TestCase(SnapshotBlobRole.Session)]
    [TestCase(SnapshotBlobRole.Workdir)]
    [CancelAfter(60_000)]
    public async Task SaveAsync_WriterThrows_LeavesNoVisibleSnapshot(SnapshotBlobRole failingRole, CancellationToken cancellationToken)
    {
        // Arrange
        var previous = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        Func<Stream, CancellationToken, Task> failing = async (sink, token) =>
        {
            await sink.WriteAsync(Pattern(300_000, 4), token).ConfigureAwait(false);
            throw new InvalidOperationException("archive failed");
        };

        // Act
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.SaveAsync(
            Draft("p1", T0.AddMinutes(1)),
            failingRole == SnapshotBlobRole.Session ? failing : Bytes("session"),
            failingRole == SnapshotBlobRole.Workdir ? failing : Bytes("workdir"),
            cancellationToken)).ConfigureAwait(false);

        // Assert: the writer's own exception, and the store as it was.
        Assert.That(ex!.Message, Is.EqualTo("archive failed"));
        Assert.That((await Store.LoadLatestAsync("p1", cancellationToken).ConfigureAwait(false))!.SnapshotId, Is.EqualTo(previous.SnapshotId));
        Assert.That((await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false)).Select(r => r.SnapshotId), Is.EqualTo(new[] { previous.SnapshotId }));
        Assert.That(await ReadBlobAsync("p1", previous.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("workdir"));
        await AssertNoStrayBlobsAfterPruneAsync("p1", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A save cancelled while its workdir writer runs throws <see cref="OperationCanceledException"/> and leaves nothing visible.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_CancelledWhileWriting_LeavesNoVisibleSnapshot(CancellationToken cancellationToken)
    {
        var previous = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        await Assert.CatchAsync<OperationCanceledException>(() => Store.SaveAsync(
            Draft("p1", T0.AddMinutes(1)),
            Bytes("session"),
            async (sink, token) =>
            {
                await sink.WriteAsync(Pattern(300_000, 5), token).ConfigureAwait(false);
                await cancel.CancelAsync().ConfigureAwait(false);
                await sink.WriteAsync(Pattern(300_000, 6), token).ConfigureAwait(false);
                token.ThrowIfCancellationRequested();
            },
            cancel.Token)).ConfigureAwait(false);

        Assert.That((await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false)).Select(r => r.SnapshotId), Is.EqualTo(new[] { previous.SnapshotId }));
        await AssertNoStrayBlobsAfterPruneAsync("p1", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A save whose token is already cancelled throws and stores nothing.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_AlreadyCancelled_StoresNothing(CancellationToken cancellationToken)
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync().ConfigureAwait(false);

        await Assert.CatchAsync<OperationCanceledException>(() => Store.SaveAsync(
            Draft("p1", T0),
            Bytes("s"),
            Bytes("w"),
            cancel.Token)).ConfigureAwait(false);

        Assert.That(await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false), Is.Empty);
    }
}
