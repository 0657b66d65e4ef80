using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Benchmarks;

/// <summary>A generated work directory of incompressible files, and one capture + restore through the file-system store.</summary>
internal sealed class SnapshotScenario : IDisposable
{
    private const int LargeFile = 8 * 1024 * 1024;
    private const int SmallFiles = 200;
    private const int SmallFile = 16 * 1024;

    private readonly SnapshotService _service;
    private readonly LocalDirectoryHost _host;
    private readonly string _root;

    public SnapshotScenario(int sizeMb, bool encrypted)
    {
        _root = Path.Combine(Path.GetTempPath(), "ocs-bench-" + Guid.NewGuid().ToString("N"));
        _host = new LocalDirectoryHost(Path.Combine(_root, "task"));
        GenerateWorkdir(_host.WorkDirectory, (long)sizeMb * 1024 * 1024);
        var store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = Path.Combine(_root, "store") });
        var cipher = encrypted ? new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()) : null;
        _service = new SnapshotService(store, cipher, encryptWorkdir: encrypted, exclude: [], retention: 2, logger: null);
    }

    /// <summary>Captures the work directory, then restores it in place (emptied and extracted again).</summary>
    public async Task<SnapshotRecord> CaptureAndRestoreAsync(CancellationToken cancellationToken)
    {
        var record = await CaptureAsync(cancellationToken);
        await RestoreAsync(record, cancellationToken);
        return record;
    }

    public Task<SnapshotRecord> CaptureAsync(CancellationToken cancellationToken) =>
        _service.CaptureAsync(
            _host,
            new SnapshotCaptureRequest("bench", "ses_bench", SnapshotEndState.Done, DateTimeOffset.UtcNow),
            (path, token) => File.WriteAllTextAsync(path, "{\"info\":{\"id\":\"ses_bench\"},\"messages\":[]}", token),
            cancellationToken);

    public Task RestoreAsync(SnapshotRecord record, CancellationToken cancellationToken) =>
        _service.RestoreAsync(_host, record, (_, _) => Task.CompletedTask, cancellationToken);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static void GenerateWorkdir(string workdir, long bytes)
    {
        Directory.CreateDirectory(Path.Combine(workdir, "small"));
        var random = new Random(42);
        var buffer = new byte[1024 * 1024];
        for (var i = 0; i < SmallFiles; i++)
        {
            random.NextBytes(buffer.AsSpan(0, SmallFile));
            File.WriteAllBytes(Path.Combine(workdir, "small", $"f{i:D3}.bin"), buffer[..SmallFile]);
        }

        var remaining = bytes - (SmallFiles * SmallFile);
        for (var n = 0; remaining > 0; n++)
        {
            using var file = File.Create(Path.Combine(workdir, $"large{n:D3}.bin"));
            for (var left = Math.Min(remaining, LargeFile); left > 0; left -= buffer.Length)
            {
                random.NextBytes(buffer);
                file.Write(buffer, 0, (int)Math.Min(left, buffer.Length));
            }

            remaining -= LargeFile;
        }
    }
}
