namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>How <see cref="SshServerFixture"/> starts its sshd.</summary>
internal sealed record SshServerOptions
{
    /// <summary>Gets the IPv4 address sshd listens on. Default 127.0.0.1.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>
    /// Gets variables sshd sets in every session it starts (sshd_config <c>SetEnv</c>): they override the login
    /// environment, as a host whose profile sets them would. Empty = none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the network namespace sshd runs in (<c>ip netns exec</c>), or <see langword="null"/> for this one.</summary>
    public string? NetworkNamespace { get; init; }
}
