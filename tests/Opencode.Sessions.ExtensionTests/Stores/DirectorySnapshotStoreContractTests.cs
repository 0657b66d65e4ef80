using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.ExtensionTests.Stores;

/// <summary>The store kit against <see cref="DirectorySnapshotStore"/>: what inheriting the kit takes, hooks included.</summary>
/// <remarks>
/// [TestFixture] is needed when every test is inherited: without it this assembly would not reference NUnit at all,
/// and the NUnit adapter skips assemblies that do not.
/// </remarks>
[TestFixture]
public sealed class DirectorySnapshotStoreContractTests : DurableSnapshotStoreContractTests
{
    private string _root = null!;
    private DirectorySnapshotStore _store = null!;

    protected override Task<ISnapshotStore> CreateStoreAsync(CancellationToken cancellationToken)
    {
        _root = Path.Combine(Path.GetTempPath(), "ocs-extension-store-" + Guid.NewGuid().ToString("N"));
        _store = new DirectorySnapshotStore(_root);
        return Task.FromResult<ISnapshotStore>(_store);
    }

    protected override async ValueTask DisposeStoreAsync(ISnapshotStore store)
    {
        await base.DisposeStoreAsync(store);
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    protected override Task<bool> BlobExistsAsync(string processId, string blobId, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(_store.BlobPath(processId, blobId)));

    protected override Task<long?> CountStoredBlobsAsync(string processId, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(_root, processId);
        return Task.FromResult<long?>(Directory.Exists(directory) ? Directory.GetFiles(directory, "*.blob").Length : 0);
    }

    protected override async Task<string> CreateOrphanBlobAsync(string processId, CancellationToken cancellationToken)
    {
        var blobId = Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(_root, processId));
        await File.WriteAllTextAsync(_store.BlobPath(processId, blobId), "orphan", cancellationToken);
        return blobId;
    }
}
