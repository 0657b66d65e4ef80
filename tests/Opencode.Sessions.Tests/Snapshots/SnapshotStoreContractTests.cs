using System.Text;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Snapshots;

/// <summary>The behaviour every <see cref="ISnapshotStore"/> must have; each store's test class derives from this.</summary>
public abstract class SnapshotStoreContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    protected abstract ISnapshotStore Store { get; }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_ThenLoadLatest_ReturnsRecordAndBothBlobs(CancellationToken cancellationToken)
    {
        // Arrange
        var draft = Draft("p1", T0.ToOffset(TimeSpan.FromHours(2)), SnapshotEndState.Cancelled) with
        {
            DeliverablesEmitted = ["deliverables/a.md"],
            SessionBlobEncrypted = true,
        };

        // Act
        var saved = await Store.SaveAsync(draft, Bytes("session-json"), Bytes("workdir-tgz"), cancellationToken);
        var latest = await Store.LoadLatestAsync("p1", cancellationToken);

        // Assert
        Assert.That(latest, Is.Not.Null);
        Assert.That(latest!.SnapshotId, Is.EqualTo(saved.SnapshotId));
        Assert.That(latest.CapturedAt, Is.EqualTo(T0));
        Assert.That(latest.CapturedAt.Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(latest.EndState, Is.EqualTo(SnapshotEndState.Cancelled));
        Assert.That(latest.SessionId, Is.EqualTo("ses_1"));
        Assert.That(latest.DeliverablesEmitted, Is.EqualTo(new[] { "deliverables/a.md" }));
        Assert.That((latest.SessionBlobEncrypted, latest.WorkdirBlobEncrypted), Is.EqualTo((true, false)));
        Assert.That((latest.SessionBlobLength, latest.WorkdirBlobLength), Is.EqualTo((12L, 11L)));
        Assert.That(await ReadBlobAsync("p1", latest.SessionBlobId, cancellationToken), Is.EqualTo("session-json"));
        Assert.That(await ReadBlobAsync("p1", latest.WorkdirBlobId, cancellationToken), Is.EqualTo("workdir-tgz"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task LoadLatestAsync_UnknownProcess_ReturnsNull(CancellationToken cancellationToken)
    {
        Assert.That(await Store.LoadLatestAsync("nobody", cancellationToken), Is.Null);
        Assert.That(await Store.ListAsync("nobody", cancellationToken), Is.Empty);
        Assert.That(await Store.PruneAsync("nobody", 5, cancellationToken), Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ListAsync_SeveralSnapshots_NewestFirstWithTiesBrokenById(CancellationToken cancellationToken)
    {
        var middle1 = await SaveAsync("p1", T0.AddMinutes(5), cancellationToken);
        var oldest = await SaveAsync("p1", T0, cancellationToken);
        var middle2 = await SaveAsync("p1", T0.AddMinutes(5), cancellationToken);
        var newest = await SaveAsync("p1", T0.AddMinutes(9), cancellationToken);
        await SaveAsync("other", T0.AddHours(1), cancellationToken);

        var list = await Store.ListAsync("p1", cancellationToken);

        var tie = new[] { middle1, middle2 }.OrderByDescending(r => r.SnapshotId, StringComparer.Ordinal).Select(r => r.SnapshotId);
        Assert.That(list.Select(r => r.SnapshotId), Is.EqualTo(new[] { newest.SnapshotId }.Concat(tie).Append(oldest.SnapshotId)));
        Assert.That((await Store.LoadLatestAsync("p1", cancellationToken))!.SnapshotId, Is.EqualTo(newest.SnapshotId));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PruneAsync_SixSnapshots_KeepsNewestFiveAndDeletesTheOldestsBlobs(CancellationToken cancellationToken)
    {
        var saved = new List<SnapshotRecord>();
        for (var i = 0; i < 6; i++)
        {
            saved.Add(await SaveAsync("p1", T0.AddMinutes(i), cancellationToken));
        }

        var pruned = await Store.PruneAsync("p1", 5, cancellationToken);

        Assert.That(pruned.Select(r => r.SnapshotId), Is.EqualTo(new[] { saved[0].SnapshotId }));
        var remaining = await Store.ListAsync("p1", cancellationToken);
        Assert.That(remaining.Select(r => r.SnapshotId), Is.EquivalentTo(saved.Skip(1).Select(r => r.SnapshotId)));
        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p1", saved[0].SessionBlobId, cancellationToken));
        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p1", saved[0].WorkdirBlobId, cancellationToken));
        Assert.That(await ReadBlobAsync("p1", saved[1].WorkdirBlobId, cancellationToken), Is.EqualTo("workdir"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PruneAsync_KeepZero_DeletesAll(CancellationToken cancellationToken)
    {
        await SaveAsync("p1", T0, cancellationToken);

        var pruned = await Store.PruneAsync("p1", 0, cancellationToken);

        Assert.That(pruned, Has.Count.EqualTo(1));
        Assert.That(await Store.ListAsync("p1", cancellationToken), Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_WorkdirWriterThrows_LeavesNoVisibleSnapshot(CancellationToken cancellationToken)
    {
        var previous = await SaveAsync("p1", T0, cancellationToken);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.SaveAsync(
            Draft("p1", T0.AddMinutes(1)),
            Bytes("session"),
            async (sink, token) =>
            {
                await sink.WriteAsync("partial"u8.ToArray(), token);
                throw new InvalidOperationException("archive failed");
            },
            cancellationToken));

        Assert.That(ex!.Message, Is.EqualTo("archive failed"));
        Assert.That((await Store.LoadLatestAsync("p1", cancellationToken))!.SnapshotId, Is.EqualTo(previous.SnapshotId));
        Assert.That(await Store.ListAsync("p1", cancellationToken), Has.Count.EqualTo(1));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_Cancelled_LeavesNoVisibleSnapshot(CancellationToken cancellationToken)
    {
        using var cancel = new CancellationTokenSource();

        await Assert.CatchAsync<OperationCanceledException>(() => Store.SaveAsync(
            Draft("p1", T0),
            Bytes("session"),
            async (sink, token) =>
            {
                await cancel.CancelAsync();
                token.ThrowIfCancellationRequested();
            },
            cancel.Token));

        Assert.That(await Store.ListAsync("p1", cancellationToken), Is.Empty);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task SaveAsync_ManyConcurrentSavesOfSameAndDifferentIds_LosesNothing(CancellationToken cancellationToken)
    {
        var saves = Enumerable.Range(0, 16).Select(i => Task.Run(
            () => Store.SaveAsync(Draft(i % 2 == 0 ? "same" : $"id-{i}", T0.AddSeconds(i)), Bytes($"session {i}"), Bytes($"workdir {i}"), cancellationToken),
            cancellationToken));

        var records = await Task.WhenAll(saves);

        Assert.That(await Store.ListAsync("same", cancellationToken), Has.Count.EqualTo(8));
        foreach (var record in records)
        {
            var i = record.CapturedAt.Second;
            Assert.That(await ReadBlobAsync(record.ProcessId, record.SessionBlobId, cancellationToken), Is.EqualTo($"session {i}"));
            Assert.That(await ReadBlobAsync(record.ProcessId, record.WorkdirBlobId, cancellationToken), Is.EqualTo($"workdir {i}"));
        }
    }

    [TestCase("")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("a/b")]
    [TestCase("a b")]
    [CancelAfter(10_000)]
    public async Task Operations_UnsafeProcessId_ThrowArgumentException(string processId, CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveAsync(Draft(processId, T0), Bytes("s"), Bytes("w"), cancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListAsync(processId, cancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.LoadLatestAsync(processId, cancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PruneAsync(processId, 5, cancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenBlobAsync(processId, "0123456789abcdef0123456789abcdef", cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SaveAsync_EmptySessionId_ThrowsArgumentException(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveAsync(Draft("p1", T0) with { SessionId = " " }, Bytes("s"), Bytes("w"), cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PruneAsync_NegativeKeep_Throws(CancellationToken cancellationToken)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.PruneAsync("p1", -1, cancellationToken));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task OpenBlobAsync_BlobOfAnotherProcess_ThrowsSnapshotException(CancellationToken cancellationToken)
    {
        var record = await SaveAsync("p1", T0, cancellationToken);

        await Assert.ThrowsAsync<SnapshotException>(() => Store.OpenBlobAsync("p2", record.SessionBlobId, cancellationToken));
    }

    protected static SnapshotDraft Draft(string processId, DateTimeOffset capturedAt, SnapshotEndState endState = SnapshotEndState.Done) => new()
    {
        SnapshotId = SnapshotDraft.NewSnapshotId(capturedAt),
        ProcessId = processId,
        CapturedAt = capturedAt,
        EndState = endState,
        SessionId = "ses_1",
    };

    protected static Func<Stream, CancellationToken, Task> Bytes(string content) =>
        async (sink, token) => await sink.WriteAsync(Encoding.UTF8.GetBytes(content), token);

    protected Task<SnapshotRecord> SaveAsync(string processId, DateTimeOffset capturedAt, CancellationToken cancellationToken) =>
        Store.SaveAsync(Draft(processId, capturedAt), Bytes("session"), Bytes("workdir"), cancellationToken);

    protected async Task<string> ReadBlobAsync(string processId, string blobId, CancellationToken cancellationToken)
    {
        await using var blob = await Store.OpenBlobAsync(processId, blobId, cancellationToken);
        using var reader = new StreamReader(blob);
        return await reader.ReadToEndAsync(cancellationToken);
    }
}
