namespace Opencode.Sessions.Opencode;

/// <summary>The answer of <c>GET /global/health</c>.</summary>
public sealed record OpencodeHealth
{
    /// <summary>Gets a value indicating whether the server reports itself healthy.</summary>
    public bool Healthy { get; init; }

    /// <summary>Gets the server's version (for example <c>1.18.33</c>), or null.</summary>
    public string? Version { get; init; }
}
