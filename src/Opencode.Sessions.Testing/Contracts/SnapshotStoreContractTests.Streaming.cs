using NUnit.Framework;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Streaming: a blob larger than memory should hold is never buffered, on save or on read.</content>
public abstract partial class SnapshotStoreContractTests
{
    private const int StreamingPiece = 64 * 1024;

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
        if (LargeBlobSize is not { } size)
        {
            Assert.Ignore("The store holds blobs in memory by design (LargeBlobSize is null).");
            return;
        }

        var pieces = (int)(size / StreamingPiece);
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
}
