namespace Opencode.Sessions.Hosting;

/// <summary>How a process group is ended.</summary>
public enum TerminationMode
{
    /// <summary>SIGTERM, a grace period (5 s by default), then SIGKILL.</summary>
    Graceful,

    /// <summary>SIGKILL at once.</summary>
    Aggressive,
}
