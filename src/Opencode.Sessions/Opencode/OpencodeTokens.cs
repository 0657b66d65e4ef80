namespace Opencode.Sessions.Opencode;

/// <summary>Token usage of a message or step.</summary>
public sealed record OpencodeTokens
{
    /// <summary>Gets the total, when the server reports one.</summary>
    public long? Total { get; init; }

    /// <summary>Gets the input (prompt) tokens.</summary>
    public long Input { get; init; }

    /// <summary>Gets the output (completion) tokens.</summary>
    public long Output { get; init; }

    /// <summary>Gets the reasoning tokens.</summary>
    public long Reasoning { get; init; }

    /// <summary>Gets the prompt-cache counts, or null.</summary>
    public OpencodeCacheTokens? Cache { get; init; }
}
