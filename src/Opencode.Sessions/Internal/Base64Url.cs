namespace Opencode.Sessions.Internal;

/// <summary>URL-safe base64 without padding (RFC 4648 §5), as opencode's routes and our passwords use it.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
