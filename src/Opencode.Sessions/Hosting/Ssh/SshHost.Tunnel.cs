using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    private const int TunnelAttempts = 5;
    private readonly List<string> _forwards = [];

    /// <inheritdoc/>
    /// <remarks>
    /// Adds a local forward to the running master (<c>ssh -O forward -L</c>): a port on
    /// <see cref="SshConfig.TunnelBindAddress"/> that reaches <c>127.0.0.1:<paramref name="hostPort"/></c> on the host
    /// through the same connection. The port is chosen free on this machine (retried if another process takes it
    /// first). Tunnels close with the host. For a wildcard bind address (0.0.0.0, ::) the returned endpoint is the
    /// loopback address with the tunnel's port; other containers reach it through this machine's own address.
    /// </remarks>
    /// <exception cref="SshConnectionException">The connection is gone, or no tunnel could be opened.</exception>
    public override async Task<IPEndPoint> OpenTunnelAsync(int hostPort, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostPort, 65535);
        var bind = IPAddress.Parse(_config.TunnelBindAddress);
        var output = "";
        for (var attempt = 1; attempt <= TunnelAttempts; attempt++)
        {
            var master = RequireMaster();
            var port = FreePort(bind);
            var address = bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString();
            var spec = string.Create(CultureInfo.InvariantCulture, $"{address}:{port}:127.0.0.1:{hostPort}");
            int exitCode;
            (exitCode, output) = await master.RunControlAsync(cancellationToken, "forward", "-L", spec).ConfigureAwait(false);
            if (exitCode == 0)
            {
                lock (_forwards)
                {
                    _forwards.Add(spec);
                }

                Log.TunnelOpened(_logger, DisplayName, spec);
                var connectable = bind.Equals(IPAddress.Any) ? IPAddress.Loopback : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bind;
                return new IPEndPoint(connectable, port);
            }

            RequireMaster();
        }

        throw new SshConnectionException(SshFailureKind.Other, _config.ToString(), $"could not open a tunnel from {_config.TunnelBindAddress} to port {hostPort} on the host after {TunnelAttempts} attempts", output);
    }

    private async Task CloseTunnelsAsync()
    {
        string[] forwards;
        lock (_forwards)
        {
            forwards = [.. _forwards];
            _forwards.Clear();
        }

        foreach (var spec in forwards)
        {
            if (_master is not { IsAlive: true } master)
            {
                return;
            }

            var (exitCode, output) = await master.RunControlAsync(CancellationToken.None, "cancel", "-L", spec).ConfigureAwait(false);
            if (exitCode != 0)
            {
                Log.TunnelCloseFailed(_logger, DisplayName, spec, output.Trim());
            }
        }
    }

    private static int FreePort(IPAddress bind)
    {
        using var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(bind, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
