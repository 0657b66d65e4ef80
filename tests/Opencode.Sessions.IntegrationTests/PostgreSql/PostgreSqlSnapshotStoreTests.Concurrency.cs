using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.IntegrationTests.PostgreSql;

/// <content>Concurrent saves and prunes on one store.</content>
public sealed partial class PostgreSqlSnapshotStoreTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task SaveAndPruneAsync_ConcurrentOnSameAndOtherIds_LoseNothingTearNothingPruneEachRecordOnce(CancellationToken cancellationToken)
    {
        // Arrange: 24 saves with multi-chunk blobs unique to each save (even i → "same", odd i → "other-i"), and
        // prunes of "same" racing with them.
        const int saves = 24;
        static byte[] Session(int i) => Pattern(1500 + i, 1000 + i);
        static byte[] Workdir(int i) => Pattern((3 * SmallChunk) + 500 + i, 2000 + i);
        static string ProcessOf(int i) => i % 2 == 0 ? "same" : $"other-{i}";
        await _store.EnsureSchemaAsync(cancellationToken);

        // Act
        var saveTasks = Enumerable.Range(0, saves).Select(i => Task.Run(
            () => _store.SaveAsync(
                Draft(ProcessOf(i), T0.AddSeconds(i)),
                async (sink, token) => await sink.WriteAsync(Session(i), token),
                async (sink, token) =>
                {
                    var bytes = Workdir(i);
                    await sink.WriteAsync(bytes.AsMemory(0, 2000), token);
                    await Task.Yield(); // let the other saves interleave with this open transaction
                    await sink.WriteAsync(bytes.AsMemory(2000), token);
                },
                cancellationToken),
            cancellationToken)).ToList();
        var pruneTasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => _store.PruneAsync("same", 3, cancellationToken), cancellationToken)).ToList();
        var saved = await Task.WhenAll(saveTasks);
        var racingPrunes = await Task.WhenAll(pruneTasks);
        var finalPrunes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _store.PruneAsync("same", 3, cancellationToken)));

        // Assert: every "same" record was pruned exactly once or remains; the newest three remain.
        var pruned = racingPrunes.Concat(finalPrunes).SelectMany(p => p).Select(r => r.SnapshotId).ToList();
        Assert.That(pruned, Is.Unique);
        var remaining = await _store.ListAsync("same", cancellationToken);
        var sameIds = saved.Where(r => r.ProcessId == "same").Select(r => r.SnapshotId);
        Assert.That(pruned.Concat(remaining.Select(r => r.SnapshotId)), Is.EquivalentTo(sameIds));
        Assert.That(remaining.Select(r => r.CapturedAt), Is.EqualTo(new[] { 22, 20, 18 }.Select(s => T0.AddSeconds(s))));

        // Nothing torn: each surviving record reads back exactly the bytes its own save wrote.
        foreach (var record in remaining.Concat(saved.Where(r => r.ProcessId != "same")))
        {
            var i = (int)(record.CapturedAt - T0).TotalSeconds;
            Assert.That(record.ProcessId, Is.EqualTo(ProcessOf(i)));
            Assert.That(await ReadAllAsync(record.ProcessId, record.SessionBlobId, cancellationToken), Is.EqualTo(Session(i)), $"session blob of save {i}");
            Assert.That(await ReadAllAsync(record.ProcessId, record.WorkdirBlobId, cancellationToken), Is.EqualTo(Workdir(i)), $"workdir blob of save {i}");
        }

        // The pruned records took their blobs and chunks with them: 3 + 12 snapshots, two blobs each, 2 + 4 chunks a pair.
        Assert.That(await RowCountsAsync(cancellationToken), Is.EqualTo((15L, 30L, 15L * (2 + 4))));
        foreach (var record in saved.Where(r => pruned.Contains(r.SnapshotId)))
        {
            await Assert.ThrowsAsync<SnapshotException>(() => _store.OpenBlobAsync("same", record.WorkdirBlobId, cancellationToken));
        }
    }
}
