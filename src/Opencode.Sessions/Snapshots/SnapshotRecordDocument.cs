using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Opencode.Sessions.Snapshots;

/// <summary>The JSON form of a <see cref="SnapshotRecord"/> in the file-system store (format version 1).</summary>
internal sealed partial class SnapshotRecordDocument
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; set; }

    public string? SnapshotId { get; set; }

    public string? ProcessId { get; set; }

    public DateTimeOffset CapturedAt { get; set; }

    public string? EndState { get; set; }

    public string? SessionId { get; set; }

    public string? SessionBlobId { get; set; }

    public string? WorkdirBlobId { get; set; }

    public List<string>? DeliverablesEmitted { get; set; }

    public bool SessionBlobEncrypted { get; set; }

    public bool WorkdirBlobEncrypted { get; set; }

    public long SessionBlobLength { get; set; }

    public long WorkdirBlobLength { get; set; }

    /// <summary>Snapshot ids of the file-system store: those of <see cref="SnapshotDraft.SnapshotIdPattern"/>.</summary>
    public static Regex SnapshotIdPattern() => SnapshotDraft.SnapshotIdPattern();

    /// <summary>Blob ids of the file-system store: 32 random hex digits.</summary>
    [GeneratedRegex("^[0-9a-f]{32}$")]
    public static partial Regex BlobIdPattern();

    public static SnapshotRecordDocument From(SnapshotRecord record) => new()
    {
        FormatVersion = CurrentFormatVersion,
        SnapshotId = record.SnapshotId,
        ProcessId = record.ProcessId,
        CapturedAt = record.CapturedAt,
        EndState = record.EndState switch
        {
            Snapshots.SnapshotEndState.Done => "done",
            Snapshots.SnapshotEndState.Failed => "failed",
            _ => "cancelled",
        },
        SessionId = record.SessionId,
        SessionBlobId = record.SessionBlobId,
        WorkdirBlobId = record.WorkdirBlobId,
        DeliverablesEmitted = [.. record.DeliverablesEmitted],
        SessionBlobEncrypted = record.SessionBlobEncrypted,
        WorkdirBlobEncrypted = record.WorkdirBlobEncrypted,
        SessionBlobLength = record.SessionBlobLength,
        WorkdirBlobLength = record.WorkdirBlobLength,
    };

    /// <summary>Converts back, checking every field; throws <see cref="InvalidDataException"/> naming the bad one.</summary>
    public SnapshotRecord ToRecord(string expectedProcessId, string expectedSnapshotId)
    {
        if (FormatVersion != CurrentFormatVersion)
        {
            throw new InvalidDataException($"unsupported format version {FormatVersion} (expected {CurrentFormatVersion})");
        }

        var endState = EndState switch
        {
            "done" => Snapshots.SnapshotEndState.Done,
            "failed" => Snapshots.SnapshotEndState.Failed,
            "cancelled" => Snapshots.SnapshotEndState.Cancelled,
            _ => throw new InvalidDataException($"unknown endState '{EndState}'"),
        };
        Require(ProcessId == expectedProcessId, "processId does not match its directory");
        Require(SnapshotId == expectedSnapshotId, "snapshotId does not match its file name");
        Require(!string.IsNullOrEmpty(SessionId), "sessionId is missing");
        Require(SessionBlobId is not null && BlobIdPattern().IsMatch(SessionBlobId), "sessionBlobId is missing or malformed");
        Require(WorkdirBlobId is not null && BlobIdPattern().IsMatch(WorkdirBlobId), "workdirBlobId is missing or malformed");
        return new SnapshotRecord
        {
            SnapshotId = expectedSnapshotId,
            ProcessId = expectedProcessId,
            CapturedAt = CapturedAt.ToUniversalTime(),
            EndState = endState,
            SessionId = SessionId!,
            SessionBlobId = SessionBlobId!,
            WorkdirBlobId = WorkdirBlobId!,
            DeliverablesEmitted = DeliverablesEmitted?.ToArray() ?? [],
            SessionBlobEncrypted = SessionBlobEncrypted,
            WorkdirBlobEncrypted = WorkdirBlobEncrypted,
            SessionBlobLength = SessionBlobLength,
            WorkdirBlobLength = WorkdirBlobLength,
        };
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidDataException(problem);
        }
    }
}

/// <summary>Source-generated JSON metadata for snapshot records.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(SnapshotRecordDocument))]
internal sealed partial class SnapshotJsonContext : JsonSerializerContext;
