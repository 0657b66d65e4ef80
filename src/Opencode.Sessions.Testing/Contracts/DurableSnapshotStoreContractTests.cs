using NUnit.Framework;

namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// The contract of a store that keeps its blobs outside the process (files, a database, an object store): everything
/// <see cref="SnapshotStoreContractTests"/> checks, plus streaming (a blob larger than memory should hold is never
/// buffered, on save or on read) and orphan collection (a blob left by a save that crashed before its record is
/// deleted by the next prune). Derive from it, implement <see cref="SnapshotStoreContractTests.CreateStoreAsync"/> and
/// <see cref="CreateOrphanBlobAsync"/>.
/// </summary>
public abstract class DurableSnapshotStoreContractTests : SnapshotStoreContractTests
{
    private const int StreamingPiece = 64 * 1024;

    /// <summary>Gets the size of the blob the streaming case saves and reads back (default 64 MiB).</summary>
    protected virtual long LargeBlobSize => 64 * MiB;

    /// <summary>
    /// Plants a blob no record refers to, as a save that crashed between its blobs and its record leaves behind, and
    /// returns its id.
    /// </summary>
    /// <param name="processId">The process id the orphan belongs to.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The orphan's blob id.</returns>
    protected abstract Task<string> CreateOrphanBlobAsync(string processId, CancellationToken cancellationToken);


    /// <summary>
    /// A <see cref="LargeBlobSize"/> blob, produced and checked 64 KiB at a time, is saved and read back while the
    /// process allocates far less than the blob's size (buffering it would allocate at least the whole blob).
    /// </summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(300_000)]
    public async Task SaveAndOpenBlobAsync_LargeBlob_StreamedWithoutBuffering(CancellationToken cancellationToken)
    {
        // Arrange
        var pieces = (int)(LargeBlobSize / StreamingPiece);
        var blobSize = (long)pieces * StreamingPiece;

        // Act 1: save.
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var record = await Store.SaveAsync(
            Draft("big", T0),
            Bytes("session"),
            async (sink, token) =>
            {
                var buffer = new byte[StreamingPiece];
                for (var piece = 0; piece < pieces; piece++)
                {
                    FillPiece(buffer, piece);
                    await sink.WriteAsync(buffer, token).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
        var savedAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        // Act 2 + Assert 2: read it back, comparing piece by piece.
        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var blob = await Store.OpenBlobAsync("big", record.WorkdirBlobId, cancellationToken).ConfigureAwait(false);
        await using (blob.ConfigureAwait(false))
        {
            var actual = new byte[StreamingPiece];
            var expected = new byte[StreamingPiece];
            for (var piece = 0; piece < pieces; piece++)
            {
                await blob.ReadExactlyAsync(actual, cancellationToken).ConfigureAwait(false);
                FillPiece(expected, piece);
                if (!actual.AsSpan().SequenceEqual(expected))
                {
                    Assert.Fail($"The blob differs in the 64 KiB piece at offset {(long)piece * StreamingPiece}.");
                }
            }

            Assert.That(await blob.ReadAsync(actual, cancellationToken).ConfigureAwait(false), Is.Zero, "nothing after the blob's end");
        }

        var readAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        // Assert: the bound is loose on purpose (the count includes whatever else the process allocates meanwhile).
        TestContext.Out.WriteLine($"{blobSize / MiB} MiB blob: {savedAllocated / (double)MiB:F1} MiB allocated saving, {readAllocated / (double)MiB:F1} MiB reading");
        Assert.That(record.WorkdirBlobLength, Is.EqualTo(blobSize));
        Assert.That(savedAllocated, Is.LessThan(blobSize / 4), "bytes allocated while saving");
        Assert.That(readAllocated, Is.LessThan(blobSize / 4), "bytes allocated while reading");
    }

    /// <summary>Piece <paramref name="piece"/> of the large blob: pseudo-random bytes seeded by its index.</summary>
    private static void FillPiece(byte[] buffer, int piece) => new Random(piece).NextBytes(buffer);

    /// <summary>
    /// A blob no record refers to (left by a save that crashed before its record) is deleted by the next prune; blobs of
    /// live records stay.
    /// </summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task PruneAsync_OrphanedBlob_IsCollected(CancellationToken cancellationToken)
    {
        // Arrange
        var kept = await SaveAsync("p1", T0, cancellationToken).ConfigureAwait(false);
        var orphan = await CreateOrphanBlobAsync("p1", cancellationToken).ConfigureAwait(false);
        Assert.That(await BlobExistsAsync("p1", orphan, cancellationToken).ConfigureAwait(false), Is.True, "the planted orphan must be visible to BlobExistsAsync");

        // Act
        var pruned = await Store.PruneAsync("p1", 5, cancellationToken).ConfigureAwait(false);

        // Assert
        Assert.That(pruned, Is.Empty);
        Assert.That(await BlobExistsAsync("p1", orphan, cancellationToken).ConfigureAwait(false), Is.False, "the orphan is collected");
        Assert.That(await BlobExistsAsync("p1", kept.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.True);
        Assert.That(await ReadBlobAsync("p1", kept.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("workdir"));
        await AssertNoStrayBlobsAsync("p1", cancellationToken).ConfigureAwait(false);
    }
}
