using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Opencode.Sessions.Tests.Opencode;

/// <summary>One request the stub received.</summary>
internal sealed record StubRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Path => Target.Split('?')[0];

    public string Query => Target.Contains('?') ? Target[(Target.IndexOf('?') + 1)..] : "";

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
}

/// <summary>The answer side of one connection: a whole response, or a raw stream written piece by piece.</summary>
internal sealed class StubResponse(NetworkStream stream)
{
    public async Task RespondAsync(int status, string? body = null, string contentType = "application/json")
    {
        var bytes = Encoding.UTF8.GetBytes(body ?? "");
        var head = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Starts a close-delimited body (no Content-Length), as an SSE endpoint does.</summary>
    public async Task StartStreamAsync(int status = 200, string contentType = "text/event-stream")
    {
        var head = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.FlushAsync();
    }

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }
}

/// <summary>A tiny HTTP/1.1 server on 127.0.0.1 whose every connection is answered by a handler, then closed.</summary>
internal sealed class StubHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<StubRequest, StubResponse, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly ConcurrentBag<Task> _connections = [];

    public StubHttpServer(Func<StubRequest, StubResponse, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public IEnumerable<StubRequest> RequestsTo(string method, string path) =>
        Requests.Where(r => r.Method == method && r.Path == path);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
            // stopping
        }

        foreach (var connection in _connections)
        {
            try
            {
                await connection.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // a handler that ended with the connection is fine
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream);
            if (request is null)
            {
                return;
            }

            Requests.Enqueue(request);
            try
            {
                await _handler(request, new StubResponse(stream), _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // the client went away, or the server stops
            }
        }
    }

    private static async Task<StubRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
        }

        var head = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var first = head[0].Split(' ');
        var headers = new Dictionary<string, string>();
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var length = headers.TryGetValue("content-length", out var l) ? int.Parse(l) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return new StubRequest(first[0], first[1], headers, Encoding.UTF8.GetString(body));
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';
}
