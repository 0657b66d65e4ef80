namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Encrypts and decrypts stored snapshot blobs (session transcripts can hold secrets). Implementations must be
/// authenticated: a wrong key or tampered data must fail with <see cref="BlobCipherException"/>, never return garbage.
/// The <see cref="BlobCipherContext"/> (process id, snapshot id, role) must be authenticated with the data (e.g. as
/// associated data), so a blob decrypted under another context fails too: a blob planted under another process id,
/// moved to another snapshot or swapped between the session and workdir roles is refused.
/// </summary>
public interface IBlobCipher
{
    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/>, streaming.</summary>
    /// <param name="plaintext">The data to encrypt, read to its end.</param>
    /// <param name="destination">Where the ciphertext goes.</param>
    /// <param name="context">What the blob belongs to; authenticated with the data, not stored in clear by necessity.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when all ciphertext was written.</returns>
    Task EncryptAsync(Stream plaintext, Stream destination, BlobCipherContext context, CancellationToken cancellationToken);

    /// <summary>Decrypts <paramref name="ciphertext"/> into <paramref name="destination"/>, streaming.</summary>
    /// <param name="ciphertext">The data to decrypt, read to its end.</param>
    /// <param name="destination">Where the plaintext goes. Data written before a failure must not be trusted.</param>
    /// <param name="context">What the blob must belong to: the context it was encrypted with.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when all plaintext was written and authenticated.</returns>
    /// <exception cref="BlobCipherException">Wrong key, another context, tampered or truncated data.</exception>
    Task DecryptAsync(Stream ciphertext, Stream destination, BlobCipherContext context, CancellationToken cancellationToken);
}
