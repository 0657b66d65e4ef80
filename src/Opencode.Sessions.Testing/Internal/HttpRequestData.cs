namespace Opencode.Sessions.Testing.Internal;

/// <summary>One parsed HTTP request.</summary>
/// <param name="Method">The method (<c>POST</c>, <c>GET</c>, …).</param>
/// <param name="Path">The path without the query string.</param>
/// <param name="Headers">The headers (case-insensitive names; repeated headers joined with <c>, </c>).</param>
/// <param name="Body">The body bytes (empty when there is none).</param>
internal sealed record HttpRequestData(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);
