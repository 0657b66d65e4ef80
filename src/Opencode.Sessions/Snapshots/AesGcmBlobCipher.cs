using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Encrypts snapshot blobs with AES-256-GCM under a key the consumer supplies, streaming in authenticated chunks so a
/// blob of any size needs only a few chunks of memory.
/// </summary>
/// <remarks>
/// <para>
/// Format (version 2): a 47-byte header — magic <c>OCSE</c>, version, log2 of the chunk size, two reserved bytes, a
/// random 32-byte salt and a random 7-byte nonce prefix — then chunks of up to 64 KiB of ciphertext, each followed by
/// its 16-byte tag. Every blob is sealed with its own key, derived from the consumer's key and the salt with
/// HKDF-SHA256, so nonces never repeat across blobs. A chunk's nonce is the prefix, the chunk counter and a last-chunk
/// flag; the associated data of every chunk is the header followed by the <see cref="BlobCipherContext"/>
/// (<see cref="BlobCipherContext.ToAssociatedData"/>: process id, snapshot id, role). Reordered, dropped, truncated,
/// appended or altered data, a changed header, a wrong key and a blob decrypted under another process id, snapshot id
/// or role all fail authentication.
/// </para>
/// <para>
/// Version 1 blobs (written by earlier releases) bound nothing but their header, so a blob of one process
/// could be planted under another; they are refused with a <see cref="BlobCipherException"/> that says so. Resume such
/// a process once without resume (or delete its snapshots): the next snapshot is written in version 2.
/// </para>
/// <para>The key is never logged or shown; keep it somewhere safer than next to the snapshots.</para>
/// </remarks>
public sealed class AesGcmBlobCipher : IBlobCipher
{
    /// <summary>The key size in bytes (AES-256).</summary>
    public const int KeySize = 32;

    /// <summary>The plaintext size of one chunk.</summary>
    public const int DefaultChunkSize = 64 * 1024;

    private const int HeaderSize = 47;
    private const int SaltSize = 32;
    private const int NoncePrefixSize = 7;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const byte FormatVersion = 2;
    private const byte LegacyFormatVersion = 1;
    private static readonly byte[] Magic = "OCSE"u8.ToArray();
    private static readonly byte[] KeyInfo = Encoding.ASCII.GetBytes("Opencode.Sessions blob cipher v1");

    private readonly byte[] _key;
    private readonly int _chunkSize;

    /// <summary>Initializes a new instance with a 256-bit key.</summary>
    /// <param name="key">Exactly <see cref="KeySize"/> bytes, e.g. from <see cref="GenerateKey"/>. The bytes are copied.</param>
    /// <exception cref="ArgumentException">The key is not 32 bytes long.</exception>
    public AesGcmBlobCipher(ReadOnlySpan<byte> key)
        : this(key, DefaultChunkSize)
    {
    }

    internal AesGcmBlobCipher(ReadOnlySpan<byte> key, int chunkSize)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException($"An AES-256-GCM key must be exactly {KeySize} bytes long, got {key.Length}. Create one with AesGcmBlobCipher.GenerateKey().", nameof(key));
        }

        if (!AesGcm.IsSupported)
        {
            throw new PlatformNotSupportedException("AES-GCM is not supported on this platform (the OpenSSL library in use lacks it).");
        }

        if (chunkSize is < 1024 or > 1 << 24 || (chunkSize & (chunkSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "The chunk size must be a power of two between 1 KiB and 16 MiB.");
        }

        _key = key.ToArray();
        _chunkSize = chunkSize;
    }

    /// <summary>Creates a cipher from a base64-encoded 32-byte key.</summary>
    /// <param name="base64Key">The key in standard base64 (44 characters).</param>
    /// <returns>The cipher.</returns>
    /// <exception cref="ArgumentException">The text is not base64 of a 32-byte key (the text itself is not repeated in the message).</exception>
    public static AesGcmBlobCipher FromBase64(string base64Key)
    {
        ArgumentNullException.ThrowIfNull(base64Key);
        var buffer = new byte[KeySize];
        try
        {
            if (!Convert.TryFromBase64String(base64Key.Trim(), buffer, out var written) || written != KeySize)
            {
                throw new ArgumentException($"The key must be the base64 encoding of exactly {KeySize} bytes.", nameof(base64Key));
            }

            return new AesGcmBlobCipher(buffer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>Generates a new random 256-bit key.</summary>
    /// <returns>32 bytes from a cryptographic random source.</returns>
    public static byte[] GenerateKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <inheritdoc/>
    public async Task EncryptAsync(Stream plaintext, Stream destination, BlobCipherContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(context);
        var contextData = context.ToAssociatedData();
        var header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        header[4] = FormatVersion;
        header[5] = (byte)System.Numerics.BitOperations.Log2((uint)_chunkSize);
        RandomNumberGenerator.Fill(header.AsSpan(8, SaltSize + NoncePrefixSize));
        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        var associatedData = AssociatedData(header, contextData);

        using var aes = CreateChunkCipher(header);
        var nonce = new byte[NonceSize];
        var current = ArrayPool<byte>.Shared.Rent(_chunkSize);
        var next = ArrayPool<byte>.Shared.Rent(_chunkSize);
        var sealedChunk = ArrayPool<byte>.Shared.Rent(_chunkSize + TagSize);
        try
        {
            var length = await FillAsync(plaintext, current.AsMemory(0, _chunkSize), cancellationToken).ConfigureAwait(false);
            for (uint counter = 0; ; counter = checked(counter + 1))
            {
                var nextLength = length < _chunkSize ? 0 : await FillAsync(plaintext, next.AsMemory(0, _chunkSize), cancellationToken).ConfigureAwait(false);
                var last = nextLength == 0;
                SetNonce(nonce, header, counter, last);
                aes.Encrypt(nonce, current.AsSpan(0, length), sealedChunk.AsSpan(0, length), sealedChunk.AsSpan(length, TagSize), associatedData);
                await destination.WriteAsync(sealedChunk.AsMemory(0, length + TagSize), cancellationToken).ConfigureAwait(false);
                if (last)
                {
                    break;
                }

                (current, next, length) = (next, current, nextLength);
            }
        }
        finally
        {
            Return(current, next, sealedChunk);
        }
    }

    /// <inheritdoc/>
    public async Task DecryptAsync(Stream ciphertext, Stream destination, BlobCipherContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(context);
        var contextData = context.ToAssociatedData();
        var header = new byte[HeaderSize];
        var headerLength = await FillAsync(ciphertext, header, cancellationToken).ConfigureAwait(false);
        var chunkSize = ValidateHeader(header, headerLength, context);
        var associatedData = AssociatedData(header, contextData);

        using var aes = CreateChunkCipher(header);
        var nonce = new byte[NonceSize];
        var record = chunkSize + TagSize;
        var current = ArrayPool<byte>.Shared.Rent(record);
        var next = ArrayPool<byte>.Shared.Rent(record);
        var plain = ArrayPool<byte>.Shared.Rent(chunkSize);
        try
        {
            var length = await FillAsync(ciphertext, current.AsMemory(0, record), cancellationToken).ConfigureAwait(false);
            for (uint counter = 0; ; counter = checked(counter + 1))
            {
                if (length < TagSize)
                {
                    throw Failure($"it ends inside chunk {counter} (truncated)");
                }

                var nextLength = length < record ? 0 : await FillAsync(ciphertext, next.AsMemory(0, record), cancellationToken).ConfigureAwait(false);
                var last = nextLength == 0;
                var dataLength = length - TagSize;
                try
                {
                    SetNonce(nonce, header, counter, last);
                    aes.Decrypt(nonce, current.AsSpan(0, dataLength), current.AsSpan(dataLength, TagSize), plain.AsSpan(0, dataLength), associatedData);
                }
                catch (CryptographicException ex)
                {
                    throw Failure($"chunk {counter} failed authentication; the blob may belong to another process id, snapshot or role ({context.Role}) than process {context.ProcessId}, snapshot {context.SnapshotId}", ex);
                }

                await destination.WriteAsync(plain.AsMemory(0, dataLength), cancellationToken).ConfigureAwait(false);
                if (last)
                {
                    break;
                }

                (current, next, length) = (next, current, nextLength);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain.AsSpan(0, chunkSize));
            Return(current, next, plain);
        }
    }

    /// <summary>Returns the type name only: the key never appears in text.</summary>
    /// <returns>A description without key material.</returns>
    public override string ToString() => nameof(AesGcmBlobCipher) + " (AES-256-GCM, key hidden)";

    private static byte[] AssociatedData(byte[] header, byte[] context)
    {
        var data = new byte[header.Length + context.Length];
        header.CopyTo(data, 0);
        context.CopyTo(data, header.Length);
        return data;
    }

    private static int ValidateHeader(byte[] header, int length, BlobCipherContext context)
    {
        if (length < HeaderSize)
        {
            throw Failure($"it is only {length} bytes long, shorter than the {HeaderSize}-byte header of an encrypted blob");
        }

        if (!header.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw Failure("it does not start with the OCSE marker, so it was not encrypted by AesGcmBlobCipher (or its header was altered)");
        }

        if (header[4] == LegacyFormatVersion)
        {
            throw new BlobCipherException(
                $"Refused the {context.Role.ToString().ToLowerInvariant()} blob of snapshot {context.SnapshotId} (process {context.ProcessId}): it is in the " +
                $"legacy encrypted format version {LegacyFormatVersion}, which does not bind a blob to its process id, snapshot and role, so it cannot be told " +
                $"apart from a blob planted from elsewhere.{Environment.NewLine}" +
                "Run the process once without resume (or delete its snapshots); the next snapshot is saved in the current, authenticated format.");
        }

        if (header[4] != FormatVersion)
        {
            throw Failure($"its format version {header[4]} is not supported (expected {FormatVersion}); was it written by a newer Opencode.Sessions?");
        }

        if (header[5] is < 10 or > 24 || header[6] != 0 || header[7] != 0)
        {
            throw Failure("its header is malformed");
        }

        return 1 << header[5];
    }

    private static BlobCipherException Failure(string detail, Exception? inner = null) => new(
        $"Could not decrypt the snapshot blob: wrong key or tampered data ({detail}).{Environment.NewLine}" +
        "Check that the configured cipher uses the key the snapshot was saved with. A snapshot that was altered cannot be " +
        "restored; delete it (or restart without resume) to run fresh.",
        inner);

    private static void SetNonce(byte[] nonce, byte[] header, uint counter, bool last)
    {
        header.AsSpan(8 + SaltSize, NoncePrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(NoncePrefixSize, 4), counter);
        nonce[NonceSize - 1] = last ? (byte)1 : (byte)0;
    }

    private static async Task<int> FillAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await source.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static void Return(params byte[][] arrays)
    {
        foreach (var array in arrays)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private AesGcm CreateChunkCipher(byte[] header)
    {
        Span<byte> blobKey = stackalloc byte[KeySize];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, blobKey, header.AsSpan(8, SaltSize), KeyInfo);
            return new AesGcm(blobKey, TagSize);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blobKey);
        }
    }
}
