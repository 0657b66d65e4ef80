using System.Text.Json;
using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// The error of an assistant message or a <c>session.error</c> event: <c>{name, data{message, statusCode, …}}</c>
/// (for example <c>APIError</c>, <c>ProviderAuthError</c>, <c>MessageAbortedError</c>).
/// </summary>
public sealed record OpencodeMessageError
{
    /// <summary>The name opencode gives an aborted message.</summary>
    public const string AbortedName = "MessageAbortedError";

    /// <summary>Gets the error name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the raw <c>data</c> object, or null.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>Gets <c>data.message</c>, or null.</summary>
    [JsonIgnore]
    public string? Message => ReadString("message");

    /// <summary>Gets <c>data.statusCode</c> (upstream HTTP status of an <c>APIError</c>), or null.</summary>
    [JsonIgnore]
    public int? StatusCode =>
        Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("statusCode", out var s) && s.TryGetInt32(out var code) ? code : null;

    /// <summary>Gets <c>data.isRetryable</c>, or null.</summary>
    [JsonIgnore]
    public bool? IsRetryable =>
        Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("isRetryable", out var r) && r.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? r.GetBoolean()
            : null;

    /// <summary>Gets a value indicating whether this is opencode's "the message was aborted" error.</summary>
    [JsonIgnore]
    public bool IsAborted => string.Equals(Name, AbortedName, StringComparison.Ordinal);

    /// <summary>Returns <c>Name: message</c> (either part may be missing).</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString() =>
        (Name, Message) switch
        {
            (null or "", null or "") => "Unknown error",
            (null or "", var m) => m!,
            (var n, null or "") => n!,
            var (n, m) => n + ": " + m,
        };

    private string? ReadString(string property) =>
        Data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;
}
