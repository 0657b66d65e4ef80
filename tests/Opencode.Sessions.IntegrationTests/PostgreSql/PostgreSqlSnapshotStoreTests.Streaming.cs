using System.Diagnostics;
using System.Security.Cryptography;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <content>A large blob streamed both ways.</content>
public sealed partial class PostgreSqlSnapshotStoreTests
{
    private const int MiB = 1024 * 1024;
    private const int Piece = 64 * 1024;

    [Test]
    [CancelAfter(240_000)]
    public async Task SaveAsync_64MiBBlob_StoredAsMiBChunksAndReadBackChunkByChunkWithoutBufferingTheBlob(CancellationToken cancellationToken)
    {
        // Arrange: 64 MiB of deterministic data, produced and checked 64 KiB at a time, never held whole.
        const int blobSize = 64 * MiB;
        await using var store = CreateStore(chunkSize: MiB);
        await store.EnsureSchemaAsync(cancellationToken);

        // Act 1: save.
        var clock = Stopwatch.StartNew();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var record = await store.SaveAsync(
            Draft("big", T0),
            Bytes("session"),
            async (sink, token) =>
            {
                var buffer = new byte[Piece];
                for (var piece = 0; piece < blobSize / Piece; piece++)
                {
                    FillPiece(buffer, piece);
                    await sink.WriteAsync(buffer, token);
                }
            },
            cancellationToken);
        var savedAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var saveTime = clock.Elapsed;

        // Assert 1: 64 numbered 1 MiB chunks, each with the SHA-256 of its slice of the data.
        Assert.That(record.WorkdirBlobLength, Is.EqualTo(blobSize));
        await using (var command = _database.DataSource.CreateCommand($"SELECT seq, length(data), sha256(data) FROM {Table("snapshot_chunks")} WHERE blob_id = '{record.WorkdirBlobId}' ORDER BY seq"))
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
        {
            var chunk = 0;
            while (await rows.ReadAsync(cancellationToken))
            {
                Assert.That((rows.GetInt32(0), rows.GetInt32(1)), Is.EqualTo((chunk, MiB)), $"chunk {chunk}");
                Assert.That(rows.GetFieldValue<byte[]>(2), Is.EqualTo(ExpectedChunkHash(chunk)), $"content of chunk {chunk}");
                chunk++;
            }

            Assert.That(chunk, Is.EqualTo(64));
        }

        // Act 2 + Assert 2: read it back through the store, comparing piece by piece.
        clock.Restart();
        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long read = 0;
        await using (var blob = await store.OpenBlobAsync("big", record.WorkdirBlobId, cancellationToken))
        {
            var actual = new byte[Piece];
            var expected = new byte[Piece];
            for (var piece = 0; piece < blobSize / Piece; piece++)
            {
                await blob.ReadExactlyAsync(actual, cancellationToken);
                FillPiece(expected, piece);
                if (!actual.AsSpan().SequenceEqual(expected))
                {
                    Assert.Fail($"The blob differs in the 64 KiB piece at offset {(long)piece * Piece}.");
                }

                read += Piece;
            }

            Assert.That(await blob.ReadAsync(actual, cancellationToken), Is.Zero, "nothing after the last chunk");
        }

        var readAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var readTime = clock.Elapsed;
        Assert.That(read, Is.EqualTo(blobSize));

        // Memory: buffering the blob would allocate at least its 64 MiB; streaming allocates a chunk buffer and driver
        // state. The bound is loose on purpose (allocation counts include anything else the process does meanwhile).
        await TestContext.Out.WriteLineAsync(
            $"64 MiB blob: save {saveTime.TotalSeconds:F2} s, {savedAllocated / (double)MiB:F1} MiB allocated; " +
            $"read {readTime.TotalSeconds:F2} s (incl. generating the expected data), {readAllocated / (double)MiB:F1} MiB allocated");
        Assert.That(savedAllocated, Is.LessThan(blobSize / 2), "bytes allocated while saving");
        Assert.That(readAllocated, Is.LessThan(blobSize / 2), "bytes allocated while reading");
    }

    /// <summary>Piece <paramref name="piece"/> of the test blob: pseudo-random bytes seeded by its index.</summary>
    private static void FillPiece(byte[] buffer, int piece) => new Random(piece).NextBytes(buffer);

    private static byte[] ExpectedChunkHash(int chunk)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Piece];
        for (var piece = chunk * (MiB / Piece); piece < (chunk + 1) * (MiB / Piece); piece++)
        {
            FillPiece(buffer, piece);
            hash.AppendData(buffer);
        }

        return hash.GetHashAndReset();
    }
}
