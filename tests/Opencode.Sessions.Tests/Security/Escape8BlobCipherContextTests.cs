using System.Security.Cryptography;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Escape 8 at the cipher: a blob is bound to its process id, snapshot id and role.</summary>
[Category("Security")]
public sealed class Escape8BlobCipherContextTests
{
    private static readonly BlobCipherContext Genuine = new("victim", "20261201T0800000000000Z-00000000000000aa", SnapshotBlobRole.Session);

    private static IEnumerable<TestCaseData> OtherContexts()
    {
        yield return new TestCaseData(Genuine with { ProcessId = "attacker" }).SetName("Escape8_Cipher_OtherProcessId_FailsToDecrypt");
        yield return new TestCaseData(Genuine with { SnapshotId = "20261201T0800000000000Z-00000000000000bb" }).SetName("Escape8_Cipher_OtherSnapshotId_FailsToDecrypt");
        yield return new TestCaseData(Genuine with { Role = SnapshotBlobRole.Workdir }).SetName("Escape8_Cipher_OtherRole_FailsToDecrypt");
        yield return new TestCaseData(new BlobCipherContext("victim2", "0260201T0800000000000Z-00000000000000aa", SnapshotBlobRole.Session)).SetName("Escape8_Cipher_ShiftedIdBoundary_FailsToDecrypt");
    }

    [TestCaseSource(nameof(OtherContexts))]
    [CancelAfter(10_000)]
    public async Task DecryptUnderAnotherContext_Throws(BlobCipherContext other, CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
        var sealedBytes = await EncryptAsync(cipher, RandomNumberGenerator.GetBytes(3000), Genuine, cancellationToken);

        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, sealedBytes, other, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("another process id, snapshot or role"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape8_Cipher_SameContext_RoundTrips(CancellationToken cancellationToken)
    {
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
        var plaintext = RandomNumberGenerator.GetBytes(70_000);

        var opened = await DecryptAsync(cipher, await EncryptAsync(cipher, plaintext, Genuine, cancellationToken), Genuine with { }, cancellationToken);

        Assert.That(opened, Is.EqualTo(plaintext));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Escape8_Cipher_LegacyVersion1Blob_IsRefusedWithActionableMessage(CancellationToken cancellationToken)
    {
        // Version 1 bound nothing but its header: it cannot be told apart from a planted blob.
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
        var sealedBytes = await EncryptAsync(cipher, [1, 2, 3], Genuine, cancellationToken);
        Assert.That(sealedBytes[4], Is.EqualTo(2), "the current format is version 2");
        sealedBytes[4] = 1;

        var ex = await Assert.ThrowsAsync<BlobCipherException>(() => DecryptAsync(cipher, sealedBytes, Genuine, cancellationToken));

        Assert.That(ex!.Message, Does.Contain("legacy").And.Contain("without resume"));
    }

    private static async Task<byte[]> EncryptAsync(AesGcmBlobCipher cipher, byte[] plaintext, BlobCipherContext context, CancellationToken cancellationToken)
    {
        using var destination = new MemoryStream();
        await cipher.EncryptAsync(new MemoryStream(plaintext), destination, context, cancellationToken);
        return destination.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(AesGcmBlobCipher cipher, byte[] ciphertext, BlobCipherContext context, CancellationToken cancellationToken)
    {
        using var destination = new MemoryStream();
        await cipher.DecryptAsync(new MemoryStream(ciphertext), destination, context, cancellationToken);
        return destination.ToArray();
    }
}
