using NUnit.Framework;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Saving and reading back: the record, the blobs byte for byte, the sink rules, one save per snapshot id.</content>
public abstract partial class SnapshotStoreContractTests
{
    /// <summary>A save returns the draft's fields (capture time in UTC) and both blobs read back.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_ThenLoadLatest_ReturnsRecordAndBothBlobs(CancellationToken cancellationToken)
    {
        // Arrange
        var draft = Draft("p1", T0.ToOffset(TimeSpan.FromHours(2)), SnapshotEndState.Cancelled) with
        {
            DeliverablesEmitted = ["deliverables/a.md"],
            SessionBlobEncrypted = true,
        };

        // Act
        var saved = await Store.SaveAsync(draft, Bytes("session-json"), Bytes("workdir-tgz"), cancellationToken).ConfigureAwait(false);
        var latest = await Store.LoadLatestAsync("p1", cancellationToken).ConfigureAwait(false);

        // Assert
        Assert.That(saved.SnapshotId, Is.EqualTo(draft.SnapshotId), "the record carries the draft's snapshot id (the cipher binds blobs to it)");
        Assert.That(latest, Is.Not.Null);
        Assert.That(latest!.SnapshotId, Is.EqualTo(draft.SnapshotId));
        Assert.That(latest.ProcessId, Is.EqualTo("p1"));
        Assert.That(latest.CapturedAt, Is.EqualTo(T0));
        Assert.That(latest.CapturedAt.Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(latest.EndState, Is.EqualTo(SnapshotEndState.Cancelled));
        Assert.That(latest.SessionId, Is.EqualTo("ses_1"));
        Assert.That(latest.DeliverablesEmitted, Is.EqualTo(new[] { "deliverables/a.md" }));
        Assert.That((latest.SessionBlobEncrypted, latest.WorkdirBlobEncrypted), Is.EqualTo((true, false)));
        Assert.That((latest.SessionBlobLength, latest.WorkdirBlobLength), Is.EqualTo((12L, 11L)));
        Assert.That((latest.SessionBlobId, latest.WorkdirBlobId), Is.EqualTo((saved.SessionBlobId, saved.WorkdirBlobId)));
        Assert.That(latest.SessionBlobId, Is.Not.EqualTo(latest.WorkdirBlobId));
        Assert.That(await ReadBlobAsync("p1", latest.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("session-json"));
        Assert.That(await ReadBlobAsync("p1", latest.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("workdir-tgz"));
    }

    /// <summary>Binary blobs of several sizes, written synchronously and asynchronously in pieces, read back byte-exact.</summary>
    /// <param name="length">The blob length.</param>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(70_001)]
    [TestCase((3 * MiB) + 17)]
    [CancelAfter(60_000)]
    public async Task SaveAsync_BinaryBlobs_ReadBackByteExact(int length, CancellationToken cancellationToken)
    {
        var session = Pattern(length, 1);
        var workdir = Pattern(length, 2);

        var record = await Store.SaveAsync(
            Draft("p1", T0),
            (sink, _) =>
            {
                sink.Write(session, 0, length / 3);
                sink.Write(session, length / 3, length - (length / 3));
                return Task.CompletedTask;
            },
            async (sink, token) =>
            {
                for (var offset = 0; offset < length; offset += 10_000)
                {
                    await sink.WriteAsync(workdir.AsMemory(offset, Math.Min(10_000, length - offset)), token).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);

        Assert.That((record.SessionBlobLength, record.WorkdirBlobLength), Is.EqualTo(((long)length, (long)length)));
        Assert.That(await ReadBlobBytesAsync("p1", record.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo(session));
        Assert.That(await ReadBlobBytesAsync("p1", record.WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo(workdir));
    }

    /// <summary>Blobs encrypted with the library's cipher (bound to the draft's snapshot id) decrypt after the round trip.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_EncryptedBlobs_DecryptAfterTheRoundTrip(CancellationToken cancellationToken)
    {
        // Arrange
        var cipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey());
        var draft = Draft("p1", T0) with { SessionBlobEncrypted = true, WorkdirBlobEncrypted = true };
        var plaintext = Pattern(200_000, 3);
        Func<Stream, CancellationToken, Task> Encrypting(SnapshotBlobRole role) => (sink, token) =>
            cipher.EncryptAsync(new MemoryStream(plaintext), sink, new BlobCipherContext(draft.ProcessId, draft.SnapshotId, role), token);

        // Act
        var record = await Store.SaveAsync(draft, Encrypting(SnapshotBlobRole.Session), Encrypting(SnapshotBlobRole.Workdir), cancellationToken).ConfigureAwait(false);
        var latest = (await Store.LoadLatestAsync("p1", cancellationToken).ConfigureAwait(false))!;

        // Assert
        Assert.That((latest.SessionBlobEncrypted, latest.WorkdirBlobEncrypted), Is.EqualTo((true, true)));
        foreach (var (blobId, role) in new[] { (latest.SessionBlobId, SnapshotBlobRole.Session), (latest.WorkdirBlobId, SnapshotBlobRole.Workdir) })
        {
            var ciphertext = await ReadBlobBytesAsync("p1", blobId, cancellationToken).ConfigureAwait(false);
            using var decrypted = new MemoryStream();
            await cipher.DecryptAsync(new MemoryStream(ciphertext), decrypted, new BlobCipherContext("p1", record.SnapshotId, role), cancellationToken).ConfigureAwait(false);
            Assert.That(decrypted.ToArray(), Is.EqualTo(plaintext), $"{role} blob");
        }
    }

    /// <summary>A second save under the same snapshot id fails and leaves the first snapshot as it was.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_SameSnapshotIdTwice_ThrowsSnapshotException(CancellationToken cancellationToken)
    {
        var draft = Draft("p1", T0);
        var first = await Store.SaveAsync(draft, Bytes("s1"), Bytes("w1"), cancellationToken).ConfigureAwait(false);

        await Assert.ThrowsAsync<SnapshotException>(() => Store.SaveAsync(draft with { CapturedAt = T0.AddMinutes(1) }, Bytes("s2"), Bytes("w2"), cancellationToken));

        var list = await Store.ListAsync("p1", cancellationToken).ConfigureAwait(false);
        Assert.That(list.Select(r => (r.SnapshotId, r.CapturedAt)), Is.EqualTo(new[] { (first.SnapshotId, T0) }));
        Assert.That(await ReadBlobAsync("p1", list[0].WorkdirBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("w1"));
        await AssertNoStrayBlobsAfterPruneAsync("p1", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sink a writer gets is write-only, and refuses writes once the writer's task has completed.</summary>
    /// <param name="cancellationToken">Cancelled when the test times out.</param>
    /// <returns>A task that completes with the test.</returns>
    [Test]
    [CancelAfter(60_000)]
    public async Task SaveAsync_WriterKeepsTheSink_LaterWritesAreRefused(CancellationToken cancellationToken)
    {
        Stream? kept = null;
        var record = await Store.SaveAsync(
            Draft("p1", T0),
            (sink, token) =>
            {
                kept = sink;
                Assert.That((sink.CanWrite, sink.CanRead), Is.EqualTo((true, false)), "the sink is write-only");
                return sink.WriteAsync("ok"u8.ToArray(), token).AsTask();
            },
            Bytes("w"),
            cancellationToken).ConfigureAwait(false);

        Assert.That(() => kept!.Write("late"u8.ToArray(), 0, 4), Throws.InstanceOf<Exception>(), "a write after the writer completed");
        await Assert.ThrowsAsync(Is.InstanceOf<Exception>(), () => kept!.WriteAsync("late"u8.ToArray(), cancellationToken).AsTask(), "an async write after the writer completed").ConfigureAwait(false);
        Assert.That(await ReadBlobAsync("p1", record.SessionBlobId, cancellationToken).ConfigureAwait(false), Is.EqualTo("ok"));
    }

    /// <summary>Prunes nothing (keeps far more than exist), then asserts there are no stray blobs when the store can count them.</summary>
    private async Task AssertNoStrayBlobsAfterPruneAsync(string processId, CancellationToken cancellationToken)
    {
        await Store.PruneAsync(processId, int.MaxValue, cancellationToken).ConfigureAwait(false);
        await AssertNoStrayBlobsAsync(processId, cancellationToken).ConfigureAwait(false);
    }
}
