namespace Opencode.Sessions.Snapshots;

/// <summary>What the lifecycle knows about the run it snapshots.</summary>
/// <param name="ProcessId">The process id.</param>
/// <param name="SessionId">The opencode session id to export.</param>
/// <param name="EndState">How the run ended.</param>
/// <param name="CapturedAt">When the snapshot is taken (from the configured <see cref="TimeProvider"/>).</param>
/// <param name="DeliverablesEmitted">The deliverables the run emitted, or <see langword="null"/> for none.</param>
internal sealed record SnapshotCaptureRequest(
    string ProcessId,
    string SessionId,
    SnapshotEndState EndState,
    DateTimeOffset CapturedAt,
    IReadOnlyList<string>? DeliverablesEmitted = null);
