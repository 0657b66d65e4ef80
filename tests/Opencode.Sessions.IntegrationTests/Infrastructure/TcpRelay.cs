using System.Net;
using System.Net.Sockets;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// Accepts TCP connections on one address and relays each, byte for byte in both directions, to a fixed target.
/// Tests use it to make a server bound to this machine's 127.0.0.1 reachable from a network namespace.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    private TcpRelay(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        _accepting = AcceptAsync();
    }

    /// <summary>Gets the address and port the relay listens on.</summary>
    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Starts relaying from an OS-assigned port of <paramref name="listenAddress"/> to <paramref name="target"/>.</summary>
    public static TcpRelay Start(IPAddress listenAddress, IPEndPoint target)
    {
        var listener = new TcpListener(listenAddress, 0);
        listener.Start();
        return new TcpRelay(listener, target);
    }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections.Append(_accepting)).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target, _stop.Token);
                using var pair = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var inbound = client.GetStream();
                var outbound = upstream.GetStream();
                var up = CopyAsync(inbound, upstream.Client, outbound, pair.Token);
                var down = CopyAsync(outbound, client.Client, inbound, pair.Token);
                await Task.WhenAll(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // One side went away: both are closed by the usings.
            }
        }
    }

    /// <summary>Copies until end of stream, then half-closes the destination so the other side sees the end too.</summary>
    private static async Task CopyAsync(Stream source, Socket destinationSocket, Stream destination, CancellationToken cancellationToken)
    {
        await source.CopyToAsync(destination, cancellationToken);
        destinationSocket.Shutdown(SocketShutdown.Send);
    }
}
