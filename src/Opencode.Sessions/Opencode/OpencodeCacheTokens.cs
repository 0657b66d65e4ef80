namespace Opencode.Sessions.Opencode;

/// <summary>Prompt-cache token counts.</summary>
public sealed record OpencodeCacheTokens
{
    /// <summary>Gets the tokens read from the cache.</summary>
    public long Read { get; init; }

    /// <summary>Gets the tokens written to the cache.</summary>
    public long Write { get; init; }
}
