namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Encrypts and decrypts stored snapshot blobs (session transcripts can hold secrets). Implementations must be
/// authenticated: a wrong key or tampered data must fail with <see cref="BlobCipherException"/>, never return garbage.
/// </summary>
public interface IBlobCipher
{
    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/>, streaming.</summary>
    /// <param name="plaintext">The data to encrypt, read to its end.</param>
    /// <param name="destination">Where the ciphertext goes.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when all ciphertext was written.</returns>
    Task EncryptAsync(Stream plaintext, Stream destination, CancellationToken cancellationToken);

    /// <summary>Decrypts <paramref name="ciphertext"/> into <paramref name="destination"/>, streaming.</summary>
    /// <param name="ciphertext">The data to decrypt, read to its end.</param>
    /// <param name="destination">Where the plaintext goes. Data written before a failure must not be trusted.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when all plaintext was written and authenticated.</returns>
    /// <exception cref="BlobCipherException">Wrong key, tampered or truncated data.</exception>
    Task DecryptAsync(Stream ciphertext, Stream destination, CancellationToken cancellationToken);
}
