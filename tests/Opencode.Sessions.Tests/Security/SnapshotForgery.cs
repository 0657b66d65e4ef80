using System.Text.Json.Nodes;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Security;

/// <summary>What an attacker with write access to a <see cref="FileSystemSnapshotStore"/> directory can do to it.</summary>
internal sealed class SnapshotForgery(string root)
{
    public string RecordPath(SnapshotRecord record) => Path.Combine(root, record.ProcessId, "records", record.SnapshotId + ".json");

    public string BlobPath(string processId, string blobId) => Path.Combine(root, processId, "blobs", blobId);

    /// <summary>Rewrites the record's encryption flags, as a forged or downgraded record would say.</summary>
    public void SetEncryptedFlags(SnapshotRecord record, bool session, bool workdir)
    {
        var path = RecordPath(record);
        var document = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        document["sessionBlobEncrypted"] = session;
        document["workdirBlobEncrypted"] = workdir;
        File.WriteAllText(path, document.ToJsonString());
    }

    /// <summary>Replaces a blob's bytes.</summary>
    public void PlantBlob(string processId, string blobId, byte[] content) => File.WriteAllBytes(BlobPath(processId, blobId), content);

    /// <summary>Copies a blob of one record over a blob of another.</summary>
    public void CopyBlob(string fromProcessId, string fromBlobId, string toProcessId, string toBlobId) =>
        File.Copy(BlobPath(fromProcessId, fromBlobId), BlobPath(toProcessId, toBlobId), overwrite: true);
}
