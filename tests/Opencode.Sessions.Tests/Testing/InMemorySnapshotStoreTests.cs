using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Tests.Snapshots;

namespace Opencode.Sessions.Tests.Testing;

public sealed class InMemorySnapshotStoreTests : SnapshotStoreContractTests
{
    private InMemorySnapshotStore _store = null!;

    protected override ISnapshotStore Store => _store;

    [SetUp]
    public async Task SetUp() => _store = new InMemorySnapshotStore();

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
