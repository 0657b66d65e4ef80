using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Diagnostics;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// A typed client for the HTTP API of an <c>opencode serve</c> instance: sessions, messages, prompts, status,
/// question and permission replies, and the server-sent event stream. Thread-safe; one instance per server and
/// directory is enough.
/// </summary>
/// <remarks>
/// Every call except <see cref="GetHealthAsync"/> is scoped with <c>?directory=</c>/<c>?workspace=</c> from the
/// options. Failures surface as <see cref="OpencodeClientException"/> subclasses carrying the server's own message.
/// Methods are virtual, and a protected constructor exists, so the client can be mocked.
/// </remarks>
public partial class OpencodeClient : IDisposable, IAsyncDisposable
{
    private static readonly Histogram<double> RequestDuration = Telemetry.Meter.CreateHistogram<double>(
        "opencode.sessions.client.request.duration", "s", "Duration of HTTP requests to the opencode server.");

    private readonly HttpClient _http = null!;
    private readonly bool _ownsHttp;
    private readonly ILogger _logger = NullLogger.Instance;
    private int _disposed;

    /// <summary>Initializes a new instance that owns its own connection pool.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="logger">A logger, or null for none.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public OpencodeClient(OpencodeClientOptions options, ILogger? logger = null)
        : this(CreateOwnedHttpClient(options), options, logger, ownsHttp: true)
    {
    }

    /// <summary>Initializes a new instance over an <see cref="HttpClient"/> the caller owns (for example from IHttpClientFactory).</summary>
    /// <param name="httpClient">The HTTP client; it is not disposed with this instance. Its own
    /// <see cref="HttpClient.Timeout"/> should not be shorter than <see cref="OpencodeClientOptions.Timeout"/>.</param>
    /// <param name="options">The settings (<see cref="OpencodeClientOptions.ConnectTimeout"/> is the handler's business here).</param>
    /// <param name="logger">A logger, or null for none.</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public OpencodeClient(HttpClient httpClient, OpencodeClientOptions options, ILogger? logger = null)
        : this(httpClient, options, logger, ownsHttp: false)
    {
    }

    /// <summary>Initializes a new instance for mocking; every member must then be overridden before use.</summary>
    protected OpencodeClient()
    {
        Options = new OpencodeClientOptions();
    }

    private OpencodeClient(HttpClient httpClient, OpencodeClientOptions options, ILogger? logger, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = httpClient;
        _ownsHttp = ownsHttp;
        _logger = logger ?? NullLogger.Instance;
        Options = options;
    }

    /// <summary>Gets the settings this client was created with.</summary>
    public OpencodeClientOptions Options { get; }

    /// <summary>Disposes the owned connection pool (not an injected <see cref="HttpClient"/>). Idempotent.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the owned connection pool (not an injected <see cref="HttpClient"/>). Idempotent.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Releases resources.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal ILogger Logger => _logger;

    internal HttpClient Http => _http;

    /// <summary>Builds the absolute URI of <paramref name="path"/>, keeping the base path and query and adding the scope.</summary>
    internal Uri BuildUri(string path, bool scoped, IEnumerable<KeyValuePair<string, string>>? query = null)
    {
        var baseUri = Options.BaseAddress;
        var builder = new UriBuilder(baseUri)
        {
            Path = baseUri.AbsolutePath.TrimEnd('/') + path,
        };
        var parts = new List<string>();
        var existing = baseUri.Query.TrimStart('?');
        if (existing.Length > 0)
        {
            parts.Add(existing);
        }

        if (scoped)
        {
            if (Options.Directory is { } directory)
            {
                parts.Add("directory=" + Uri.EscapeDataString(directory));
            }

            if (Options.Workspace is { } workspace)
            {
                parts.Add("workspace=" + Uri.EscapeDataString(workspace));
            }
        }

        foreach (var (key, value) in query ?? [])
        {
            parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(value));
        }

        builder.Query = string.Join('&', parts);
        return builder.Uri;
    }

    /// <summary>Adds the Basic credentials, when configured, to a request.</summary>
    internal void Authorize(HttpRequestMessage request)
    {
        if (Options.Credentials is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.ToToken());
        }
    }

    /// <summary>Sends a request and deserializes the JSON answer; an empty or 204 answer yields <paramref name="empty"/>.</summary>
    internal async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        JsonNode? body,
        JsonTypeInfo<T> typeInfo,
        T empty,
        bool scoped,
        CancellationToken cancellationToken,
        IEnumerable<KeyValuePair<string, string>>? query = null)
    {
        var (status, bytes, requestName) = await SendRawAsync(method, path, body, scoped, query, cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0 || IsBlank(bytes))
        {
            return empty;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) ?? empty;
        }
        catch (JsonException e)
        {
            throw OpencodeErrorMapper.Unparseable(requestName, status, bytes, e);
        }
    }

    /// <summary>Sends a request; returns status and body of a 2xx answer, throws the mapped exception otherwise.</summary>
    internal async Task<(int Status, byte[] Body, string Request)> SendRawAsync(
        HttpMethod method,
        string path,
        JsonNode? body,
        bool scoped,
        IEnumerable<KeyValuePair<string, string>>? query,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var requestName = method.Method + " " + path;
        using var activity = Telemetry.ActivitySource.StartActivity("opencode.request", ActivityKind.Client);
        activity?.SetTag("http.request.method", method.Method);
        activity?.SetTag("url.path", path);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.Timeout);
        try
        {
            using var request = new HttpRequestMessage(method, BuildUri(path, scoped, query));
            Authorize(request);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var elapsed = Stopwatch.GetElapsedTime(started);
            activity?.SetTag("http.response.status_code", status);
            RequestDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("http.request.method", method.Method), new KeyValuePair<string, object?>("http.response.status_code", status));
            OpencodeClientLog.Request(_logger, method.Method, path, status, elapsed.TotalSeconds);
            if (status is < 200 or > 299)
            {
                throw OpencodeErrorMapper.FromStatus(status, requestName, bytes);
            }

            return (status, bytes, requestName);
        }
        catch (Exception e) when (e is not OpencodeClientException && !cancellationToken.IsCancellationRequested &&
                                  (e is OperationCanceledException || OpencodeErrorMapper.IsTimeout(e)))
        {
            throw Failed(activity, started, method, path, OpencodeErrorMapper.Timeout(requestName, Options.Timeout, e));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw Failed(activity, started, method, path, OpencodeErrorMapper.Connection(requestName, Options.BaseAddress, e));
        }
        catch (OpencodeClientException e)
        {
            Telemetry.Fail(activity, e);
            throw;
        }
    }

    private OpencodeClientException Failed(Activity? activity, long started, HttpMethod method, string path, OpencodeClientException error)
    {
        Telemetry.Fail(activity, error);
        OpencodeClientLog.RequestFailed(_logger, method.Method, path, Stopwatch.GetElapsedTime(started).TotalSeconds, error.GetType().Name);
        return error;
    }

    private static bool IsBlank(byte[] bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static HttpClient CreateOwnedHttpClient(OpencodeClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseCookies = false,
            UseProxy = false,
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }
}
