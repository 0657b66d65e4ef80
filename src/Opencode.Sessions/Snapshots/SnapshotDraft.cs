using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// The metadata of a snapshot about to be saved; <see cref="ISnapshotStore.SaveAsync"/> adds the ids and sizes and
/// returns the stored <see cref="SnapshotRecord"/>.
/// </summary>
public sealed record SnapshotDraft
{
    /// <summary>Gets the process id the snapshot belongs to (the same rules as a task's process id).</summary>
    public required string ProcessId { get; init; }

    /// <summary>Gets when the snapshot was captured; stored in UTC.</summary>
    public required DateTimeOffset CapturedAt { get; init; }

    /// <summary>Gets how the run ended.</summary>
    public required SnapshotEndState EndState { get; init; }

    /// <summary>Gets the opencode session id the session blob holds.</summary>
    public required string SessionId { get; init; }

    /// <summary>Gets the deliverables the run emitted (relative paths, for auditing). Default: none.</summary>
    public IReadOnlyList<string> DeliverablesEmitted { get; init; } = [];

    /// <summary>Gets a value indicating whether the session blob is encrypted with the configured <see cref="IBlobCipher"/>.</summary>
    public bool SessionBlobEncrypted { get; init; }

    /// <summary>Gets a value indicating whether the workdir blob is encrypted with the configured <see cref="IBlobCipher"/>.</summary>
    public bool WorkdirBlobEncrypted { get; init; }

    /// <summary>Throws when the draft cannot be stored (shared by every store in this repository).</summary>
    internal void Validate()
    {
        TaskPaths.ValidateProcessId(ProcessId, nameof(ProcessId));
        if (string.IsNullOrWhiteSpace(SessionId) || SessionId.Length > 200 || SessionId.Any(char.IsControl))
        {
            throw new ArgumentException("The session id must be 1–200 characters without control characters.", nameof(SessionId));
        }

        if (!Enum.IsDefined(EndState))
        {
            throw new ArgumentException($"Unknown end state {(int)EndState}.", nameof(EndState));
        }

        ArgumentNullException.ThrowIfNull(DeliverablesEmitted, nameof(DeliverablesEmitted));
    }

    /// <summary>The argument checks of <see cref="ISnapshotStore.SaveAsync"/>, shared by the stores in this repository.</summary>
    internal static void ValidateSave(SnapshotDraft draft, Func<Stream, CancellationToken, Task> writeSessionBlob, Func<Stream, CancellationToken, Task> writeWorkdirBlob)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(writeSessionBlob);
        ArgumentNullException.ThrowIfNull(writeWorkdirBlob);
        draft.Validate();
    }
}
