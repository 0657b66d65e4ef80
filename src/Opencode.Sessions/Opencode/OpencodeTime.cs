namespace Opencode.Sessions.Opencode;

/// <summary>Timestamps of a session or message, in Unix epoch milliseconds as opencode sends them.</summary>
public sealed record OpencodeTime
{
    /// <summary>Gets when the item was created.</summary>
    public long Created { get; init; }

    /// <summary>Gets when a session was last updated, or null.</summary>
    public long? Updated { get; init; }

    /// <summary>Gets when an assistant message finished, or null while it is still being generated.</summary>
    public long? Completed { get; init; }
}
