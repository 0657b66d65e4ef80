using System.Security.Cryptography;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A network namespace of its own (<c>ip netns</c>) joined to this one by a veth pair with addresses from a private
/// /30 in 10.213.0.0/16: traffic never leaves this machine. Processes started in it (<c>ip netns exec</c>) have their
/// own 127.0.0.1, so anything that silently assumes loopback between the two sides fails there. Disposing deletes the
/// namespace and the veth pair by the names this instance created, whatever state the test left them in.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private const string Ip = "/usr/sbin/ip";

    private NetworkNamespace(string name, string hostInterface, string namespaceInterface, string hostAddress, string namespaceAddress)
    {
        Name = name;
        HostInterface = hostInterface;
        NamespaceInterface = namespaceInterface;
        HostAddress = hostAddress;
        NamespaceAddress = namespaceAddress;
    }

    /// <summary>Gets the namespace's name (<c>ocs-test-…</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the veth end in this (the host's) namespace.</summary>
    public string HostInterface { get; }

    /// <summary>Gets the veth end inside the namespace.</summary>
    public string NamespaceInterface { get; }

    /// <summary>Gets this machine's address on the veth pair (reachable from inside the namespace).</summary>
    public string HostAddress { get; }

    /// <summary>Gets the namespace's address (reachable from this machine).</summary>
    public string NamespaceAddress { get; }

    /// <summary>Creates the namespace and the link, or fails the test saying why (for example, not root).</summary>
    public static async Task<NetworkNamespace> CreateAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Ip))
        {
            Assert.Fail($"{Ip} (iproute2) is required for the network-namespace test. Run ./build.sh test, which installs it.");
        }

        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var (hostAddress, namespaceAddress) = await PickSubnetAsync(cancellationToken);
        var ns = new NetworkNamespace("ocs-test-" + suffix, "ocs" + suffix + "h", "ocs" + suffix + "n", hostAddress, namespaceAddress);
        try
        {
            await ns.RunAsync(cancellationToken, "netns", "add", ns.Name);
            await ns.RunAsync(cancellationToken, "link", "add", ns.HostInterface, "type", "veth", "peer", "name", ns.NamespaceInterface);
            await ns.RunAsync(cancellationToken, "link", "set", ns.NamespaceInterface, "netns", ns.Name);
            await ns.RunAsync(cancellationToken, "addr", "add", ns.HostAddress + "/30", "dev", ns.HostInterface);
            await ns.RunAsync(cancellationToken, "link", "set", ns.HostInterface, "up");
            await ns.RunAsync(cancellationToken, "-n", ns.Name, "addr", "add", ns.NamespaceAddress + "/30", "dev", ns.NamespaceInterface);
            await ns.RunAsync(cancellationToken, "-n", ns.Name, "link", "set", ns.NamespaceInterface, "up");
            await ns.RunAsync(cancellationToken, "-n", ns.Name, "link", "set", "lo", "up");
            return ns;
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>The network namespace of a process as <c>net:[inode]</c>, or empty when it is gone.</summary>
    public static string NamespaceOfProcess(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Deletes the namespace and the host end of the link (which takes its peer with it). Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await TryRunAsync(timeout.Token, "link", "del", HostInterface);
        await TryRunAsync(timeout.Token, "netns", "del", Name);
    }

    /// <summary>A random /30 of 10.213.0.0/16 that no interface of this machine uses yet.</summary>
    private static async Task<(string Host, string Namespace)> PickSubnetAsync(CancellationToken cancellationToken)
    {
        var (_, used) = await RunProcessAsync(cancellationToken, "-4", "-o", "addr", "show");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var third = RandomNumberGenerator.GetInt32(0, 256);
            var block = RandomNumberGenerator.GetInt32(0, 64) * 4;
            var prefix = $"10.213.{third}.";
            if (!used.Contains(prefix + (block + 1) + "/", StringComparison.Ordinal) && !used.Contains(prefix + (block + 2) + "/", StringComparison.Ordinal))
            {
                return (prefix + (block + 1), prefix + (block + 2));
            }
        }

        Assert.Fail("No free /30 in 10.213.0.0/16 for the network-namespace test.");
        return default;
    }

    private async Task RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var (exitCode, output) = await RunProcessAsync(cancellationToken, arguments);
        if (exitCode != 0)
        {
            Assert.Fail(
                $"ip {string.Join(' ', arguments)} failed (exit {exitCode}): {output.Trim()}\n" +
                "The network-namespace test needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2; run ./build.sh test as root.");
        }
    }

    private static async Task TryRunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        try
        {
            await RunProcessAsync(cancellationToken, arguments);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.ComponentModel.Win32Exception)
        {
            TestContext.Out.WriteLine($"cleanup: ip {string.Join(' ', arguments)} failed: {ex.Message}");
        }
    }

    private static Task<(int ExitCode, string Output)> RunProcessAsync(CancellationToken cancellationToken, params string[] arguments) =>
        ProcessRunner.RunAsync(Ip, arguments, null, cancellationToken);
}
