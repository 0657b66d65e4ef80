using System.Security.Cryptography;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <content>How a multi-MiB blob is laid out in chunk rows (the kit checks that large blobs stream without buffering).</content>
public sealed partial class PostgreSqlSnapshotStoreTests
{
    private const int Piece = 64 * 1024;

    [Test]
    [CancelAfter(240_000)]
    public async Task SaveAsync_8MiBBlob_StoredAsNumberedMiBChunksWithTheirContent(CancellationToken cancellationToken)
    {
        // Arrange: 8 MiB of deterministic data, produced 64 KiB at a time.
        const int blobSize = 8 * MiB;
        await using var store = CreateStore(chunkSize: MiB);

        // Act
        var record = await store.SaveAsync(
            Draft("big", T0),
            Bytes("session"),
            async (sink, token) =>
            {
                var buffer = new byte[Piece];
                for (var piece = 0; piece < blobSize / Piece; piece++)
                {
                    new Random(piece).NextBytes(buffer);
                    await sink.WriteAsync(buffer, token);
                }
            },
            cancellationToken);

        // Assert: 8 numbered 1 MiB chunks, each with the SHA-256 of its slice of the data.
        Assert.That(record.WorkdirBlobLength, Is.EqualTo(blobSize));
        await using var command = _database.DataSource.CreateCommand($"SELECT seq, length(data), sha256(data) FROM {Table("snapshot_chunks")} WHERE blob_id = '{record.WorkdirBlobId}' ORDER BY seq");
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        var chunk = 0;
        while (await rows.ReadAsync(cancellationToken))
        {
            Assert.That((rows.GetInt32(0), rows.GetInt32(1)), Is.EqualTo((chunk, MiB)), $"chunk {chunk}");
            Assert.That(rows.GetFieldValue<byte[]>(2), Is.EqualTo(ExpectedChunkHash(chunk)), $"content of chunk {chunk}");
            chunk++;
        }

        Assert.That(chunk, Is.EqualTo(8));
    }

    private static byte[] ExpectedChunkHash(int chunk)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Piece];
        for (var piece = chunk * (MiB / Piece); piece < (chunk + 1) * (MiB / Piece); piece++)
        {
            new Random(piece).NextBytes(buffer);
            hash.AppendData(buffer);
        }

        return hash.GetHashAndReset();
    }
}
