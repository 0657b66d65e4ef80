using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Invalid ids and arguments are refused with the documented exceptions, and refused calls change nothing.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>Every operation refuses a process id that is unsafe as a path segment (<see cref="ProcessIds"/>).</summary>
    /// <param name="processId">The unsafe id.</param>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [TestCase("")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("a/b")]
    [TestCase("a b")]
    [TestCase("a\0b")]
    [TestCase("ü")]
    [CancelAfter(60_000)]
    public async Task Operations_UnsafeProcessId_ThrowArgumentException(string processId, CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.SaveAsync(Draft(processId, T0), Bytes("s"), Bytes("w"), cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.ListAsync(processId, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.LoadLatestAsync(processId, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.PruneAsync(processId, 5, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.OpenBlobAsync(processId, "0123456789abcdef0123456789abcdef", cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A process id longer than <see cref="ProcessIds.MaxLength"/> is refused; one of exactly that length works.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task Operations_ProcessIdLength_LimitIsMaxLength(CancellationToken cancellationToken)
    {
        var longest = new string('p', ProcessIds.MaxLength);

        var record = await SaveAsync(longest, T0, cancellationToken).ConfigureAwait(false);

        Assert.That((await Store.LoadLatestAsync(longest, cancellationToken).ConfigureAwait(false))!.SnapshotId, Is.EqualTo(record.SnapshotId));
        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.ListAsync(longest + "p", cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A draft with an invalid field is refused with <see cref="ArgumentException"/> and stores nothing.</summary>
    /// <param name="field">Which field is invalid.</param>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [TestCase("SessionId")]
    [TestCase("SnapshotId")]
    [TestCase("EndState")]
    [CancelAfter(60_000)]
    public async Task SaveAsync_InvalidDraft_ThrowsArgumentExceptionAndStoresNothing(string field, CancellationToken cancellationToken)
    {
        var draft = field switch
        {
            "SessionId" => Draft("p1", T0) with { SessionId = " " },
            "SnapshotId" => Draft("p1", T0) with { SnapshotId = "../escape" },
            _ => Draft("p1", T0) with { EndState = (SnapshotEndState)99 },
        };

        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.SaveAsync(draft, Bytes("s"), Bytes("w"), cancellationToken)).ConfigureAwait(false);

        Assert.That(await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>Missing arguments are refused with <see cref="ArgumentNullException"/>.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task Operations_NullArguments_ThrowArgumentNullException(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.SaveAsync(null!, Bytes("s"), Bytes("w"), cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.SaveAsync(Draft("p1", T0), null!, Bytes("w"), cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.SaveAsync(Draft("p1", T0), Bytes("s"), null!, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.ListAsync(null!, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<ArgumentNullException>(() => Store.OpenBlobAsync("p1", null!, cancellationToken)).ConfigureAwait(false);
        Assert.That(await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false), Is.Empty);
    }

    /// <summary>A negative retention count is refused with <see cref="ArgumentOutOfRangeException"/> and deletes nothing.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task PruneAsync_NegativeKeep_ThrowsArgumentOutOfRangeException(CancellationToken cancellationToken)
    {
        await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.PruneAsync("p1", -1, cancellationToken)).ConfigureAwait(false);

        Assert.That(await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false), Has.Count.EqualTo(1));
    }

    /// <summary>An empty blob id, or one the store never issued, is refused; a well-formed unknown one is <see cref="SnapshotException"/>.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task OpenBlobAsync_EmptyOrUnknownBlobId_IsRefused(CancellationToken cancellationToken)
    {
        var record = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        await Store.PruneAsync("p1", 0, cancellationToken).ConfigureAwait(false);

        await Assert.ThrowsAsync(Is.InstanceOf<ArgumentException>(), () => Store.OpenBlobAsync("p1", string.Empty, cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p1", record.SessionBlobId, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A store built on <see cref="SnapshotStoreBase"/> disposes idempotently, either way first, and refuses calls afterwards.</summary>
    /// <param name="synchronousFirst">Whether <see cref="IDisposable.Dispose"/> (as a dependency-injection container may call it) comes first.</param>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(60_000)]
    public async Task DisposeAsync_Twice_IsIdempotentAndLaterCallsThrowObjectDisposedException(bool synchronousFirst, CancellationToken cancellationToken)
    {
        if (Store is not SnapshotStoreBase store)
        {
            Assert.Ignore("The store does not derive from SnapshotStoreBase.");
            return;
        }

        if (synchronousFirst)
        {
            store.Dispose();
        }

        await store.DisposeAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListAsync("p1", cancellationToken)).ConfigureAwait(false);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SaveAsync(Draft("p1", T0), Bytes("s"), Bytes("w"), cancellationToken)).ConfigureAwait(false);
    }
}
