using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.Tests.Testing;

public sealed class InMemorySnapshotStoreTests : SnapshotStoreContractTests
{
    private InMemorySnapshotStore _store = null!;

    protected override Task<ISnapshotStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _store = new InMemorySnapshotStore();
        return Task.FromResult<ISnapshotStore>(_store);
    }

    /// <summary>Every blob in the store (the kit's cases that count use one process id at a time).</summary>
    protected override Task<long?> CountStoredBlobsAsync(string processId, CancellationToken cancellationToken) =>
        Task.FromResult<long?>(_store.Records.Any(r => r.ProcessId != processId) ? null : _store.BlobCount);

    [Test]
    [CancelAfter(10_000)]
    public async Task BlobCount_FailedSaveAndPrune_CountsOnlyLiveSnapshots(CancellationToken cancellationToken)
    {
        await SaveAsync("p1", T0, cancellationToken);
        await SaveAsync("p1", T0.AddMinutes(1), cancellationToken);
        await Assert.CatchAsync<Exception>(() => _store.SaveAsync(Draft("p1", T0), Bytes("s"), (_, _) => throw new IOException("boom"), cancellationToken));

        await _store.PruneAsync("p1", 1, cancellationToken);

        Assert.That(_store.BlobCount, Is.EqualTo(2));
        Assert.That(_store.Records, Has.Count.EqualTo(1));
        Assert.That(_store.GetBlob(_store.Records[0].SessionBlobId), Is.EqualTo("session"u8.ToArray()));
    }
}
