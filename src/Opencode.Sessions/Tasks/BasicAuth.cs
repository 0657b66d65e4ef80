namespace Opencode.Sessions;

/// <summary>
/// HTTP Basic credentials the widget proxy must add when it forwards requests to the opencode server.
/// </summary>
/// <remarks>
/// <see cref="ToString"/> never shows the password, so an instance can be logged safely.
/// </remarks>
public sealed class BasicAuth : IEquatable<BasicAuth>
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="username">The user name (opencode uses <c>opencode</c>).</param>
    /// <param name="password">The password; never rendered by <see cref="ToString"/>.</param>
    /// <exception cref="ArgumentException">A value is null or empty, or the user name contains ':'.</exception>
    public BasicAuth(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (username.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A Basic auth user name cannot contain ':'.", nameof(username));
        }

        Username = username;
        Password = password;
    }

    /// <summary>Gets the user name.</summary>
    public string Username { get; }

    /// <summary>Gets the password.</summary>
    public string Password { get; }

    /// <summary>Gets the value of an <c>Authorization</c> header: <c>Basic base64(user:password)</c>.</summary>
    /// <returns>The header value.</returns>
    public string ToHeaderValue() => "Basic " + ToToken();

    /// <summary>Gets <c>base64(user:password)</c>, the form opencode also accepts as <c>?auth_token=</c>.</summary>
    /// <returns>The token.</returns>
    public string ToToken() => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Username + ":" + Password));

    /// <inheritdoc/>
    public bool Equals(BasicAuth? other) =>
        other is not null && Username == other.Username && Password == other.Password;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as BasicAuth);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Username, Password);

    /// <summary>Returns <c>BasicAuth(user, ***)</c>; the password is never shown.</summary>
    /// <returns>A redacted description.</returns>
    public override string ToString() => $"BasicAuth({Username}, ***)";
}
