using System.Net.Sockets;
using NUnit.Framework;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Tunnels to a port on the host.</content>
public abstract partial class HostContractTests
{
    /// <summary>The endpoint a tunnel returns reaches a server listening on the host's loopback interface.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task OpenTunnel_ReachesAServerOnTheHost()
    {
        using var timeout = Timeout();
        var (port, received) = await StartServerOnHostAsync(timeout.Token).ConfigureAwait(false);

        var endpoint = await Host.OpenTunnelAsync(port, timeout.Token).ConfigureAwait(false);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            await client.GetStream().WriteAsync("ping"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            Assert.That(await received.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo("ping"u8.ToArray()));
        }

        Assert.That(async () => await Host.OpenTunnelAsync(0, timeout.Token).ConfigureAwait(false), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
