namespace Opencode.Sessions.Workdir;

/// <summary>
/// Restoring a workdir archive stopped because it crossed one of the <see cref="WorkdirRestoreLimits"/> (total size,
/// entry count or expansion ratio). Nothing beyond the cap was written; the work directory holds a partial restore
/// and the snapshot is kept in the store.
/// </summary>
public sealed class WorkdirRestoreLimitException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="limit">The name of the <see cref="WorkdirRestoreLimits"/> property that was crossed.</param>
    /// <param name="message">What was crossed and what to do.</param>
    public WorkdirRestoreLimitException(string limit, string message)
        : base(message)
    {
        Limit = limit;
    }

    /// <summary>Gets the name of the <see cref="WorkdirRestoreLimits"/> property that was crossed (e.g. <c>MaxTotalBytes</c>).</summary>
    public string Limit { get; }
}
