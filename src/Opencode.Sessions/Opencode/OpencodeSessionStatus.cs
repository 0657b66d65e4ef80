using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>The run state of a session: <c>idle</c>, <c>busy</c> or <c>retry</c> (with attempt and message).</summary>
public sealed record OpencodeSessionStatus
{
    /// <summary>Gets the state type.</summary>
    public string Type { get; init; } = "";

    /// <summary>Gets the retry attempt number of a <c>retry</c> state, or null.</summary>
    public int? Attempt { get; init; }

    /// <summary>Gets the retry reason of a <c>retry</c> state, or null.</summary>
    public string? Message { get; init; }

    /// <summary>Gets when the next retry happens (epoch milliseconds), or null.</summary>
    public long? Next { get; init; }

    /// <summary>Gets a value indicating whether the session is idle.</summary>
    [JsonIgnore]
    public bool IsIdle => string.Equals(Type, "idle", StringComparison.Ordinal);
}
