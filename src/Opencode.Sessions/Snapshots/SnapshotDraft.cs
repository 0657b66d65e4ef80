using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// The metadata of a snapshot about to be saved; <see cref="ISnapshotStore.SaveAsync"/> adds the blob ids and sizes
/// and returns the stored <see cref="SnapshotRecord"/>.
/// </summary>
public sealed partial record SnapshotDraft
{
    /// <summary>
    /// Gets the id the snapshot is stored under (<see cref="SnapshotRecord.SnapshotId"/>): chosen before the blobs are
    /// written, because the <see cref="IBlobCipher"/> binds both blobs to it. 1–128 characters: ASCII letters, digits,
    /// <c>.</c>, <c>_</c> and <c>-</c>, starting with a letter or digit. Use <see cref="NewSnapshotId"/>.
    /// </summary>
    public required string SnapshotId { get; init; }

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

    /// <summary>Creates a new unique snapshot id: the UTC capture time (so ids sort like capture times), then 16 random hex digits.</summary>
    /// <param name="capturedAt">When the snapshot is captured.</param>
    /// <returns>An id such as <c>20260101T1200000000000Z-0123456789abcdef</c>.</returns>
    public static string NewSnapshotId(DateTimeOffset capturedAt) =>
        $"{capturedAt.UtcDateTime:yyyyMMdd'T'HHmmssfffffff}Z-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant()}";

    /// <summary>Returns whether <paramref name="snapshotId"/> is a valid snapshot id (the rules of <see cref="SnapshotId"/>).</summary>
    /// <param name="snapshotId">The id to check; <see langword="null"/> is not valid.</param>
    /// <returns><see langword="true"/> when every store accepts the id (safe as a file name, a SQL value and a log field).</returns>
    public static bool IsValidSnapshotId(string? snapshotId) => snapshotId is not null && SnapshotIdPattern().IsMatch(snapshotId);

    /// <summary>
    /// Throws when the draft cannot be stored: an invalid process id (<see cref="ProcessIds"/>), snapshot id
    /// (<see cref="IsValidSnapshotId"/>) or session id (1–200 characters, no control characters), an undefined end
    /// state, or no deliverables list. <see cref="SnapshotStoreBase"/> calls it before every save.
    /// </summary>
    /// <exception cref="ArgumentException">A field is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        ProcessIds.Validate(ProcessId, nameof(ProcessId));
        if (!IsValidSnapshotId(SnapshotId))
        {
            throw new ArgumentException("The snapshot id must be 1–128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit; create one with SnapshotDraft.NewSnapshotId.", nameof(SnapshotId));
        }

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

    /// <summary>
    /// Creates the record a store returns once this draft's blobs are stored: the draft's fields (the capture time in
    /// UTC, the deliverables copied) plus the ids and lengths of the two blobs.
    /// </summary>
    /// <param name="sessionBlobId">The store's id of the session blob.</param>
    /// <param name="sessionBlobLength">The stored length of the session blob in bytes.</param>
    /// <param name="workdirBlobId">The store's id of the workdir blob.</param>
    /// <param name="workdirBlobLength">The stored length of the workdir blob in bytes.</param>
    /// <returns>The record; a store that keeps the capture time at a coarser precision sets <see cref="SnapshotRecord.CapturedAt"/> with <c>with</c>.</returns>
    /// <exception cref="ArgumentException">A blob id is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative.</exception>
    public SnapshotRecord ToRecord(string sessionBlobId, long sessionBlobLength, string workdirBlobId, long workdirBlobLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionBlobId);
        ArgumentException.ThrowIfNullOrEmpty(workdirBlobId);
        ArgumentOutOfRangeException.ThrowIfNegative(sessionBlobLength);
        ArgumentOutOfRangeException.ThrowIfNegative(workdirBlobLength);
        return new SnapshotRecord
        {
            SnapshotId = SnapshotId,
            ProcessId = ProcessId,
            CapturedAt = CapturedAt.ToUniversalTime(),
            EndState = EndState,
            SessionId = SessionId,
            SessionBlobId = sessionBlobId,
            WorkdirBlobId = workdirBlobId,
            DeliverablesEmitted = [.. DeliverablesEmitted],
            SessionBlobEncrypted = SessionBlobEncrypted,
            WorkdirBlobEncrypted = WorkdirBlobEncrypted,
            SessionBlobLength = sessionBlobLength,
            WorkdirBlobLength = workdirBlobLength,
        };
    }

    /// <summary>The snapshot ids every store accepts (safe as a file name, a SQL value and a log field).</summary>
    [GeneratedRegex("^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$")]
    internal static partial Regex SnapshotIdPattern();
}
