using System.IO.Compression;
using System.Text;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Tests.Snapshots;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Escape 7: a provider apiKey given in OpencodeConfig never reaches a stored blob in clear.</summary>
[TestFixture]
[Category("Security")]
public sealed class SecretsAtRestSecurityTests
{
    private const string ApiKey = "sk-escape7-4b1d9c0e7f";
    private const string SessionJson = "{\"info\":{\"id\":\"ses_1\"},\"messages\":[]}";

    private TempDirectory _temp = null!;
    private InMemorySnapshotStore _store = null!;
    private Moq.Mock<IHost> _host = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _host = DirectoryHost.Create(_temp.Combine("task"));
        _store = new InMemorySnapshotStore();
        var workdir = _host.Object.WorkDirectory;
        File.WriteAllText(Path.Combine(workdir, OpencodeConfigFile.FileName), "{\"provider\":{\"p\":{\"options\":{\"apiKey\":\"" + ApiKey + "\"}}}}");
        File.WriteAllText(Path.Combine(workdir, "notes.md"), "# notes");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape7_CipherAtDefaults_EncryptsBothBlobsAndNeverStoresTheApiKey(CancellationToken cancellationToken)
    {
        var config = new OpencodeTaskConfig { SnapshotStore = _store, SessionBlobCipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()) };

        var record = await CaptureAsync(config, cancellationToken);

        Assert.That((record.SessionBlobEncrypted, record.WorkdirBlobEncrypted), Is.EqualTo((true, true)));
        Assert.That(_store.GetBlob(record.WorkdirBlobId)[..4], Is.EqualTo("OCSE"u8.ToArray()));
        AssertNoApiKey(record);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape7_NoCipher_OpencodeJsonIsNeverArchived(CancellationToken cancellationToken)
    {
        var record = await CaptureAsync(new OpencodeTaskConfig { SnapshotStore = _store }, cancellationToken);

        Assert.That(TestArchives.Names(_store.GetBlob(record.WorkdirBlobId)), Is.EquivalentTo(new[] { "notes.md" }));
        AssertNoApiKey(record);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Escape7_ExplicitOptOut_LeavesTheWorkdirBlobPlainButStillWithoutOpencodeJson(CancellationToken cancellationToken)
    {
        var config = new OpencodeTaskConfig
        {
            SnapshotStore = _store,
            SessionBlobCipher = new AesGcmBlobCipher(AesGcmBlobCipher.GenerateKey()),
            EncryptWorkdirBlob = false,
        };

        var record = await CaptureAsync(config, cancellationToken);

        Assert.That((record.SessionBlobEncrypted, record.WorkdirBlobEncrypted), Is.EqualTo((true, false)));
        AssertNoApiKey(record);
    }

    private async Task<SnapshotRecord> CaptureAsync(OpencodeTaskConfig config, CancellationToken cancellationToken) =>
        await config.CreateSnapshotService().CaptureAsync(
            _host.Object,
            new SnapshotCaptureRequest("proc-7", "ses_1", SnapshotEndState.Done, DateTimeOffset.UnixEpoch, null),
            (path, token) => File.WriteAllTextAsync(path, SessionJson, token),
            cancellationToken);

    /// <summary>Scans the stored bytes, and for a gzip blob its decompressed bytes, for the key.</summary>
    private void AssertNoApiKey(SnapshotRecord record)
    {
        foreach (var blobId in new[] { record.SessionBlobId, record.WorkdirBlobId })
        {
            var stored = _store.GetBlob(blobId);
            Assert.That(Contains(stored), Is.False, $"blob {blobId} holds the apiKey in its stored bytes");
            if (stored.Length > 2 && stored[0] == 0x1f && stored[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                Assert.That(Contains(plain.ToArray()), Is.False, $"blob {blobId} holds the apiKey once decompressed");
            }
        }
    }

    private static bool Contains(byte[] bytes) => bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ApiKey)) >= 0;
}
