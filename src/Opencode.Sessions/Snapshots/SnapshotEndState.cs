namespace Opencode.Sessions.Snapshots;

/// <summary>How the run that produced a snapshot ended.</summary>
public enum SnapshotEndState
{
    /// <summary>The session ended normally (the agent reported DONE, or the session ended without a failure).</summary>
    Done,

    /// <summary>The session failed (the agent reported ERROR, opencode exited early, or the lifecycle failed).</summary>
    Failed,

    /// <summary>The session was cancelled through its cancellation token.</summary>
    Cancelled,
}
