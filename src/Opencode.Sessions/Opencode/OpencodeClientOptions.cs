namespace Opencode.Sessions.Opencode;

/// <summary>Immutable settings of an <see cref="OpencodeClient"/>.</summary>
/// <example>
/// <code>
/// var client = new OpencodeClient(new OpencodeClientOptions
/// {
///     BaseAddress = new Uri("http://127.0.0.1:4096"),
///     Credentials = new BasicAuth("opencode", password),
///     Directory = "/srv/work/conversation-42",
/// });
/// </code>
/// </example>
public sealed record OpencodeClientOptions
{
    /// <summary>The address opencode listens on when nothing else is configured.</summary>
    public static readonly Uri DefaultBaseAddress = new("http://localhost:4096");

    /// <summary>Gets the server address. A query already present is kept on every request.</summary>
    /// <value>Default <c>http://localhost:4096</c>.</value>
    public Uri BaseAddress { get; init; } = DefaultBaseAddress;

    /// <summary>
    /// Gets the Basic credentials (opencode's user name is <c>opencode</c> unless the server sets
    /// <c>OPENCODE_SERVER_USERNAME</c>), or null for a server without <c>OPENCODE_SERVER_PASSWORD</c>.
    /// </summary>
    public BasicAuth? Credentials { get; init; }

    /// <summary>
    /// Gets the directory every call except health is scoped to (sent as <c>?directory=</c>). opencode keeps one
    /// instance per directory and its event stream only carries events of the same directory string, so use the
    /// exact same value for creating, prompting and streaming. Null = the server's working directory.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>Gets the workspace every call except health is scoped to (sent as <c>?workspace=</c>), or null.</summary>
    public string? Workspace { get; init; }

    /// <summary>
    /// Gets the time limit of one request, from sending it to reading the whole response. The blocking
    /// <see cref="OpencodeClient.SendMessageAsync"/> returns only when the agent loop ends: raise this for it.
    /// </summary>
    /// <value>Default 120 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the time limit for establishing a TCP connection (only used when the client owns its handler).</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets how long the event stream may stay silent before the connection is considered dead and reopened.
    /// The server sends a heartbeat every 10 seconds.
    /// </summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan StreamReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the largest event the stream parser buffers before failing (a server that never ends an event).</summary>
    /// <value>Default 1 MiB.</value>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>Gets the clock used for deadlines of the event stream (replace it in tests).</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Creates options from the environment variables the Ruby client honours: <c>OPENCODE_BASE_URL</c>,
    /// <c>OPENCODE_SERVER_PASSWORD</c> (user <c>opencode</c>, or <c>OPENCODE_SERVER_USERNAME</c>) and
    /// <c>OPENCODE_TIMEOUT</c> (seconds).
    /// </summary>
    /// <returns>The options; unset variables keep their defaults.</returns>
    /// <exception cref="ArgumentException">A variable is set to an invalid value.</exception>
    public static OpencodeClientOptions FromEnvironment()
    {
        var options = new OpencodeClientOptions();
        var url = Environment.GetEnvironmentVariable("OPENCODE_BASE_URL");
        if (!string.IsNullOrEmpty(url))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                throw new ArgumentException($"OPENCODE_BASE_URL is not an absolute URL: '{url}'.", nameof(BaseAddress));
            }

            options = options with { BaseAddress = uri };
        }

        var password = Environment.GetEnvironmentVariable("OPENCODE_SERVER_PASSWORD");
        if (!string.IsNullOrEmpty(password))
        {
            var user = Environment.GetEnvironmentVariable("OPENCODE_SERVER_USERNAME");
            options = options with { Credentials = new BasicAuth(string.IsNullOrEmpty(user) ? "opencode" : user, password) };
        }

        var timeout = Environment.GetEnvironmentVariable("OPENCODE_TIMEOUT");
        if (!string.IsNullOrEmpty(timeout))
        {
            if (!double.TryParse(timeout, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
            {
                throw new ArgumentException($"OPENCODE_TIMEOUT must be a positive number of seconds, not '{timeout}'.", nameof(Timeout));
            }

            options = options with { Timeout = TimeSpan.FromSeconds(seconds) };
        }

        return options;
    }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(BaseAddress, nameof(BaseAddress));
        if (!BaseAddress.IsAbsoluteUri || (BaseAddress.Scheme != Uri.UriSchemeHttp && BaseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"BaseAddress must be an absolute http(s) URL, not '{BaseAddress}'.", nameof(BaseAddress));
        }

        RequirePositive(Timeout, nameof(Timeout));
        RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        if (StreamReadTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamReadTimeout), StreamReadTimeout, "StreamReadTimeout must be positive.");
        }

        if (MaxEventBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEventBytes), MaxEventBytes, "MaxEventBytes must be at least 1024.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }
}
