using System.Security.Cryptography;
using System.Text;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Snapshots;

public sealed class AesGcmBlobCipherTests
{
    private const int SmallChunk = 1024;
    private const int HeaderSize = 47;
    private const int SealedChunk = SmallChunk + 16;

    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly BlobCipherContext Context = new("proc-1", "20260101T0000000000000Z-0123456789abcdef", SnapshotBlobRole.Session);

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(100)]
    [TestCase(SmallChunk - 1)]
    [TestCase(SmallChunk)]
    [TestCase(SmallChunk + 1)]
    [TestCase(4 * SmallChunk)]
    [TestCase(5 * SmallChunk + 17)]
    [CancelAfter(10_000)]
    public async Task EncryptThenDecrypt_AnyLength_RoundTrips(int length, CancellationToken cancellationToken)
    {
        // Arrange
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var plaintext = RandomNumberGenerator.GetBytes(length);

        // Act
        var sealedBytes = await EncryptAsync(cipher, plaintext, cancellationToken);
        var opened = await DecryptAsync(cipher, sealedBytes, cancellationToken);

        // Assert
        Assert.That(opened, Is.EqualTo(plaintext));
        var chunks = Math.Max(1, (length + SmallChunk - 1) / SmallChunk);
        Assert.That(sealedBytes, Has.Length.EqualTo(HeaderSize + length + (16 * chunks)));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task EncryptThenDecrypt_DefaultChunkSize_RoundTripsAcrossChunks(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key);
        var plaintext = RandomNumberGenerator.GetBytes((3 * AesGcmBlobCipher.DefaultChunkSize) + 5);

        var opened = await DecryptAsync(cipher, await EncryptAsync(cipher, plaintext, cancellationToken), cancellationToken);

        Assert.That(opened, Is.EqualTo(plaintext));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task EncryptAsync_Transcript_CiphertextDoesNotContainPlaintext(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key);
        var secret = Encoding.UTF8.GetBytes("{\"info\":{\"title\":\"api key sk-THIS-IS-SECRET\"}}");

        var first = await EncryptAsync(cipher, secret, cancellationToken);
        var second = await EncryptAsync(cipher, secret, cancellationToken);

        Assert.That(first.AsSpan().IndexOf("sk-THIS-IS-SECRET"u8), Is.EqualTo(-1));
        Assert.That(first, Is.Not.EqualTo(second), "every blob must use a fresh salt and nonce prefix");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_WrongKey_ThrowsBlobCipherExceptionMentioningDecryptAndBlob(CancellationToken cancellationToken)
    {
        var sealedBytes = await EncryptAsync(new AesGcmBlobCipher(Key), "hello"u8.ToArray(), cancellationToken);
        var other = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());

        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(other, sealedBytes, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("Could not decrypt the snapshot blob: wrong key or tampered data"));
        Assert.That(ex.InnerException, Is.InstanceOf<CryptographicException>());
    }

    [TestCase(0, TestName = "DecryptAsync_TamperedMagic_Throws")]
    [TestCase(5, TestName = "DecryptAsync_TamperedChunkSize_Throws")]
    [TestCase(20, TestName = "DecryptAsync_TamperedSalt_Throws")]
    [TestCase(44, TestName = "DecryptAsync_TamperedNoncePrefix_Throws")]
    [TestCase(HeaderSize + 3, TestName = "DecryptAsync_TamperedFirstChunk_Throws")]
    [TestCase(HeaderSize + SealedChunk + 100, TestName = "DecryptAsync_TamperedMiddleChunk_Throws")]
    [TestCase(HeaderSize + SealedChunk - 1, TestName = "DecryptAsync_TamperedTag_Throws")]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_AnyByteFlipped_Throws(int offset, CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var sealedBytes = await EncryptAsync(cipher, RandomNumberGenerator.GetBytes(3 * SmallChunk + 10), cancellationToken);
        sealedBytes[offset] ^= 0x01;

        await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, sealedBytes, cancellationToken));
    }

    [TestCase(HeaderSize + (3 * SealedChunk), TestName = "DecryptAsync_LastChunkDropped_Throws")]
    [TestCase(HeaderSize + (2 * SealedChunk) + 500, TestName = "DecryptAsync_CutInsideChunk_Throws")]
    [TestCase(HeaderSize + 10, TestName = "DecryptAsync_CutInsideFirstTag_Throws")]
    [TestCase(HeaderSize, TestName = "DecryptAsync_HeaderOnly_Throws")]
    [TestCase(20, TestName = "DecryptAsync_CutInsideHeader_Throws")]
    [TestCase(0, TestName = "DecryptAsync_EmptyInput_Throws")]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_Truncated_Throws(int keep, CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var sealedBytes = await EncryptAsync(cipher, RandomNumberGenerator.GetBytes(3 * SmallChunk + 10), cancellationToken);

        await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, sealedBytes[..keep], cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_ChunksSwapped_Throws(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var sealedBytes = await EncryptAsync(cipher, RandomNumberGenerator.GetBytes(3 * SmallChunk + 10), cancellationToken);
        var swapped = sealedBytes.ToArray();
        sealedBytes.AsSpan(HeaderSize, SealedChunk).CopyTo(swapped.AsSpan(HeaderSize + SealedChunk));
        sealedBytes.AsSpan(HeaderSize + SealedChunk, SealedChunk).CopyTo(swapped.AsSpan(HeaderSize));

        await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, swapped, cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_DataAppended_Throws(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var sealedBytes = await EncryptAsync(cipher, RandomNumberGenerator.GetBytes(SmallChunk + 10), cancellationToken);

        await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, [.. sealedBytes, .. new byte[SealedChunk]], cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DecryptAsync_FailureInThirdChunk_WritesOnlyAuthenticatedChunks(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(Key, SmallChunk);
        var plaintext = RandomNumberGenerator.GetBytes(4 * SmallChunk);
        var sealedBytes = await EncryptAsync(cipher, plaintext, cancellationToken);
        sealedBytes[HeaderSize + (2 * SealedChunk) + 1] ^= 0x80;
        using var destination = new MemoryStream();

        await Assert.ThrowsAsync<BlobCipherException>(() => cipher.DecryptAsync(new MemoryStream(sealedBytes), destination, Context, cancellationToken));

        Assert.That(destination.ToArray(), Is.EqualTo(plaintext[..(2 * SmallChunk)]));
    }

    [Test]
    public void Constructor_KeyOfWrongLength_ThrowsWithoutKeyInMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AesGcmBlobCipher(new byte[16]));

        Assert.That(ex!.Message, Does.Contain("32 bytes"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task FromBase64_ValidKey_DecryptsWhatTheByteKeyEncrypted(CancellationToken cancellationToken)
    {
        var sealedBytes = await EncryptAsync(new AesGcmBlobCipher(Key), "payload"u8.ToArray(), cancellationToken);

        var opened = await DecryptAsync(AesGcmBlobCipher.FromBase64(Convert.ToBase64String(Key)), sealedBytes, cancellationToken);

        Assert.That(opened, Is.EqualTo("payload"u8.ToArray()));
    }

    [TestCase("not base64!")]
    [TestCase("AAAA")]
    public void FromBase64_Invalid_ThrowsWithoutEchoingInput(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => AesGcmBlobCipher.FromBase64(text));

        Assert.That(ex!.Message, Does.Not.Contain(text));
    }

    [Test]
    public void ToString_NeverShowsKey()
    {
        var text = new AesGcmBlobCipher(Key).ToString();

        Assert.That(text, Does.Contain("key hidden"));
        Assert.That(text, Does.Not.Contain(Convert.ToBase64String(Key)));
    }

    private static async Task<byte[]> EncryptAsync(AesGcmBlobCipher cipher, byte[] plaintext, CancellationToken cancellationToken)
    {
        using var destination = new MemoryStream();
        await cipher.EncryptAsync(new MemoryStream(plaintext), destination, Context, cancellationToken);
        return destination.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(AesGcmBlobCipher cipher, byte[] ciphertext, CancellationToken cancellationToken)
    {
        using var destination = new MemoryStream();
        await cipher.DecryptAsync(new MemoryStream(ciphertext), destination, Context, cancellationToken);
        return destination.ToArray();
    }
}
