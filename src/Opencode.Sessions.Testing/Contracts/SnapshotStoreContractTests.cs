using System.Text;
using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// The contract every <see cref="ISnapshotStore"/> must keep, as an abstract NUnit fixture: derive from it, implement
/// <see cref="CreateStoreAsync"/>, and NUnit runs every case against your store.
/// </summary>
/// <remarks>
/// <para>
/// It checks: a save round-trips the record and both blobs byte for byte (also encrypted ones); a writer that throws
/// or a cancelled save leaves no visible snapshot; records list newest first and per process; concurrent saves of the
/// same and of different process ids lose and tear nothing, also while prunes run; a prune keeps the newest, deletes
/// the others' blobs; invalid ids and
/// arguments are refused with <see cref="ArgumentException"/>; a second save of a snapshot id fails with
/// <see cref="SnapshotException"/>.
/// </para>
/// <para>
/// Each test gets a new store: <see cref="CreateStoreAsync"/> runs in this fixture's <c>[SetUp]</c>, before the
/// derived fixture's own <c>[SetUp]</c> methods, so prepare whatever the store needs (a directory, a schema) inside
/// it. <see cref="DisposeStoreAsync"/> runs in the <c>[TearDown]</c>. The optional hooks
/// (<see cref="BlobExistsAsync"/>, <see cref="CountStoredBlobsAsync"/>) let the kit look beneath the interface. A store
/// that keeps its blobs outside the process (files, a database) derives from
/// <see cref="DurableSnapshotStoreContractTests"/> instead, which adds streaming and orphan collection.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// [TestFixture] // keeps a reference to NUnit in an assembly whose tests are all inherited (the adapter looks for it)
/// public sealed class MyStoreContractTests : SnapshotStoreContractTests
/// {
///     protected override Task&lt;ISnapshotStore&gt; CreateStoreAsync(CancellationToken cancellationToken) =>
///         Task.FromResult&lt;ISnapshotStore&gt;(new MyStore(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
/// }
/// </code>
/// </example>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>One MiB in bytes.</summary>
    protected const int MiB = 1024 * 1024;

    private ISnapshotStore? _store;

    /// <summary>Gets the capture time the kit's drafts start from (whole seconds, UTC).</summary>
    protected static DateTimeOffset T0 { get; } = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Gets the store under test (created for each test by <see cref="CreateStoreAsync"/>).</summary>
    protected ISnapshotStore Store => _store ?? throw new InvalidOperationException("The store is created in the kit's [SetUp]; it is not available before.");

    /// <summary>Creates the kit's store for one test, with empty storage.</summary>
    /// <returns>A task that completes when the set-up is done.</returns>
    [SetUp]
    public async Task SetUpStoreAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _store = await CreateStoreAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Disposes the kit's store after one test.</summary>
    /// <returns>A task that completes when the store is disposed.</returns>
    [TearDown]
    public async Task TearDownStoreAsync()
    {
        if (_store is { } store)
        {
            _store = null;
            await DisposeStoreAsync(store).ConfigureAwait(false);
        }
    }

    /// <summary>Creates a store over empty storage for one test.</summary>
    /// <param name="cancellationToken">Cancelled when set-up takes more than two minutes.</param>
    /// <returns>The store under test.</returns>
    protected abstract Task<ISnapshotStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>Cleans up after one test. The default disposes the store if it is <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.</summary>
    /// <param name="store">The store <see cref="CreateStoreAsync"/> returned.</param>
    /// <returns>A task that completes when everything is cleaned up.</returns>
    protected virtual async ValueTask DisposeStoreAsync(ISnapshotStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>
    /// Returns whether the store still holds a blob. The default asks <see cref="ISnapshotStore.OpenBlobAsync"/>;
    /// override it to look at the storage itself (a file, a row), which also sees blobs no record refers to.
    /// </summary>
    /// <param name="processId">The process id the blob belongs to.</param>
    /// <param name="blobId">The blob id.</param>
    /// <param name="cancellationToken">A token to cancel the check.</param>
    /// <returns><see langword="true"/> when the blob is stored.</returns>
    protected virtual async Task<bool> BlobExistsAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        try
        {
            var blob = await Store.OpenBlobAsync(processId, blobId, cancellationToken).ConfigureAwait(false);
            await blob.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        catch (SnapshotException)
        {
            return false;
        }
    }

    /// <summary>
    /// Counts the blobs the store holds for a process, referenced or not, or returns <see langword="null"/> when it
    /// cannot tell (the default; the cases then check only what the interface shows).
    /// </summary>
    /// <param name="processId">The process id.</param>
    /// <param name="cancellationToken">A token to cancel the count.</param>
    /// <returns>The number of stored blobs, or <see langword="null"/>.</returns>
    protected virtual Task<long?> CountStoredBlobsAsync(string processId, CancellationToken cancellationToken) => Task.FromResult<long?>(null);

    /// <summary>Creates a valid draft with a new snapshot id and session id <c>ses_1</c>.</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="capturedAt">The capture time.</param>
    /// <param name="endState">The end state.</param>
    /// <returns>The draft.</returns>
    protected static SnapshotDraft Draft(string processId, DateTimeOffset capturedAt, SnapshotEndState endState = SnapshotEndState.Done) => new()
    {
        SnapshotId = SnapshotDraft.NewSnapshotId(capturedAt),
        ProcessId = processId,
        CapturedAt = capturedAt,
        EndState = endState,
        SessionId = "ses_1",
    };

    /// <summary>A blob writer that writes <paramref name="content"/> as UTF-8.</summary>
    /// <param name="content">The blob's text.</param>
    /// <returns>The writer.</returns>
    protected static Func<Stream, CancellationToken, Task> Bytes(string content) => Bytes(Encoding.UTF8.GetBytes(content));

    /// <summary>A blob writer that writes <paramref name="content"/>.</summary>
    /// <param name="content">The blob's bytes.</param>
    /// <returns>The writer.</returns>
    protected static Func<Stream, CancellationToken, Task> Bytes(byte[] content) =>
        async (sink, token) => await sink.WriteAsync(content, token).ConfigureAwait(false);

    /// <summary>Deterministic pseudo-random bytes.</summary>
    /// <param name="length">How many bytes.</param>
    /// <param name="seed">The seed; the same seed gives the same bytes.</param>
    /// <returns>The bytes.</returns>
    protected static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Saves a snapshot of <paramref name="processId"/> whose blobs are <c>session</c> and <c>workdir</c>.</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="capturedAt">The capture time.</param>
    /// <param name="cancellationToken">A token to cancel the save.</param>
    /// <returns>The stored record.</returns>
    protected Task<SnapshotRecord> SaveAsync(string processId, DateTimeOffset capturedAt, CancellationToken cancellationToken) =>
        Store.SaveAsync(Draft(processId, capturedAt), Bytes("session"), Bytes("workdir"), cancellationToken);

    /// <summary>Reads a whole blob as bytes (for small blobs).</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="blobId">The blob id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The blob's bytes.</returns>
    protected async Task<byte[]> ReadBlobBytesAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        var blob = await Store.OpenBlobAsync(processId, blobId, cancellationToken).ConfigureAwait(false);
        await using (blob.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await blob.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    /// <summary>Reads a whole blob as UTF-8 text (for small blobs).</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="blobId">The blob id.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The blob's text.</returns>
    protected async Task<string> ReadBlobAsync(string processId, string blobId, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadBlobBytesAsync(processId, blobId, cancellationToken).ConfigureAwait(false));

    /// <summary>Asserts, when <see cref="CountStoredBlobsAsync"/> can tell, that the process holds exactly two blobs per record.</summary>
    private protected async Task AssertNoStrayBlobsAsync(string processId, CancellationToken cancellationToken)
    {
        var stored = await CountStoredBlobsAsync(processId, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            var records = await Store.ListAsync(processId, cancellationToken).ConfigureAwait(false);
            Assert.That(stored, Is.EqualTo(2L * records.Count), $"blobs stored for {processId} (two per record, no stray ones)");
        }
    }
}
