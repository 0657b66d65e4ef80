using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Testing.Internal;

namespace Opencode.Sessions.Testing;

/// <summary>
/// A scripted, OpenAI-compatible model server on 127.0.0.1 that a real opencode talks to offline. It answers
/// <c>POST /v1/chat/completions</c> streams with the replies a test scripted, records every request, and answers
/// opencode's title-generation requests by itself.
/// </summary>
/// <remarks>
/// <para>Which reply a request gets, in order: a title request gets <see cref="ScriptedModelServerOptions.TitleText"/>
/// (no script consumed); otherwise the <see cref="ScriptedModelServerOptions.Responder"/>'s reply if it returns one;
/// otherwise the next reply of the script registered for the request's session id (<see cref="EnqueueForSession"/>),
/// else of the script registered for its working directory (<see cref="EnqueueForDirectory"/>), else of the default
/// script (<see cref="Enqueue"/>). A registered script is used exclusively: once it is empty, its requests get
/// <see cref="ScriptedModelServerOptions.FallbackText"/> and are marked <see cref="ModelRequest.ScriptExhausted"/>.</para>
/// <para>Many requests (several opencode sessions) are served concurrently, by Kestrel (HTTP/1.1).</para>
/// </remarks>
/// <example>
/// <code>
/// await using var model = await ScriptedModelServer.StartAsync();
/// model.Enqueue(ScriptedReply.Bash("echo hi > made.txt"), ScriptedReply.Text("All done."));
/// var config = new OpencodeTaskConfig { OpencodeConfig = model.CreateOpencodeConfig() };
/// </code>
/// </example>
public sealed partial class ScriptedModelServer : IAsyncDisposable
{
    /// <summary>The provider id used by default (<c>scripted</c>).</summary>
    public const string DefaultProviderId = "scripted";

    /// <summary>The model id used by default (<c>scripted-model</c>).</summary>
    public const string DefaultModelId = "scripted-model";

    private readonly ScriptedModelServerOptions _options;
    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly AsyncWaiters<ModelRequest> _requests = new();
    private readonly object _scriptGate = new();
    private readonly Queue<ScriptedReply> _defaultScript = new();
    private readonly Dictionary<string, Queue<ScriptedReply>> _sessionScripts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<ScriptedReply>> _directoryScripts = new(StringComparer.Ordinal);
    private int _nextCallId;
    private int _nextCompletionId;
    private int _disposed;

    private ScriptedModelServer(ScriptedModelServerOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger<ScriptedModelServer>() ?? (ILogger)NullLogger.Instance;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Gets the base URL of the OpenAI-compatible API, <c>http://127.0.0.1:&lt;port&gt;/v1</c> (no trailing slash).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Gets the provider id (<see cref="ScriptedModelServerOptions.ProviderId"/>).</summary>
    public string ProviderId => _options.ProviderId;

    /// <summary>Gets the model id (<see cref="ScriptedModelServerOptions.ModelId"/>).</summary>
    public string ModelId => _options.ModelId;

    /// <summary>Gets the model as opencode names it: <c>&lt;provider&gt;/&lt;model&gt;</c>, for example <c>scripted/scripted-model</c>.</summary>
    public string Model => ProviderId + "/" + ModelId;

    /// <summary>Gets the options the server was started with.</summary>
    public ScriptedModelServerOptions Options => _options;

    /// <summary>Gets a snapshot of every chat-completions request received so far, in the order they were recorded.</summary>
    public IReadOnlyList<ModelRequest> Requests => _requests.Snapshot();

    /// <summary>Gets the number of requests answered with the fallback text because their script was exhausted.</summary>
    public int ExhaustedRequestCount => _requests.Snapshot().Count(r => r.ScriptExhausted);

    /// <summary>Gets the number of scripted replies not consumed yet, over all scripts.</summary>
    public int PendingReplyCount
    {
        get
        {
            lock (_scriptGate)
            {
                return _defaultScript.Count + _sessionScripts.Values.Sum(q => q.Count) + _directoryScripts.Values.Sum(q => q.Count);
            }
        }
    }

    /// <summary>Starts a server with default options on an OS-assigned port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    public static Task<ScriptedModelServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new ScriptedModelServerOptions(), cancellationToken);

    /// <summary>Starts a server on an OS-assigned port of 127.0.0.1.</summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">A token to cancel the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">An option is invalid (empty ids or key, or non-positive limits).</exception>
    public static async Task<ScriptedModelServer> StartAsync(ScriptedModelServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProviderId, nameof(options) + "." + nameof(options.ProviderId));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ModelId, nameof(options) + "." + nameof(options.ModelId));
        ArgumentException.ThrowIfNullOrEmpty(options.ApiKey, nameof(options) + "." + nameof(options.ApiKey));
        ArgumentNullException.ThrowIfNull(options.FallbackText, nameof(options) + "." + nameof(options.FallbackText));
        ArgumentNullException.ThrowIfNull(options.TitleText, nameof(options) + "." + nameof(options.TitleText));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ContextLimit, 1, nameof(options) + "." + nameof(options.ContextLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.OutputLimit, 1, nameof(options) + "." + nameof(options.OutputLimit));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRequestBytes, 1, nameof(options) + "." + nameof(options.MaxRequestBytes));
        cancellationToken.ThrowIfCancellationRequested();

        var server = new ScriptedModelServer(options);
        try
        {
            await server._app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = server._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            server.BaseUrl = new Uri($"http://127.0.0.1:{new Uri(address).Port}/v1");
        }
        catch
        {
            await server._app.DisposeAsync().ConfigureAwait(false);
            server._stopping.Dispose();
            throw;
        }

        Log.ServerStarted(server._logger, server.BaseUrl);
        return server;
    }

    /// <summary>
    /// Creates a complete <c>opencode.json</c> that points opencode at this server, for
    /// <c>OpencodeTaskConfig.OpencodeConfig</c> or <c>OPENCODE_CONFIG_CONTENT</c>: the provider (bundled
    /// <c>@ai-sdk/openai-compatible</c>, base URL and API key), the model with tool calls and limits, <c>model</c> and
    /// <c>small_model</c>, <c>enabled_providers</c>, <c>autoupdate: false</c>, <c>share: "disabled"</c> and
    /// <c>permission: "allow"</c> (no prompt can stall a headless turn).
    /// </summary>
    /// <returns>A new JSON object each call (safe to modify).</returns>
    public JsonObject CreateOpencodeConfig() => new()
    {
        ["provider"] = new JsonObject
        {
            [ProviderId] = new JsonObject
            {
                ["npm"] = "@ai-sdk/openai-compatible",
                ["name"] = "Scripted model server",
                ["options"] = new JsonObject { ["baseURL"] = BaseUrl.ToString(), ["apiKey"] = _options.ApiKey },
                ["models"] = new JsonObject
                {
                    [ModelId] = new JsonObject
                    {
                        ["name"] = "Scripted model",
                        ["tool_call"] = true,
                        ["limit"] = new JsonObject { ["context"] = _options.ContextLimit, ["output"] = _options.OutputLimit },
                    },
                },
            },
        },
        ["model"] = Model,
        ["small_model"] = Model,
        ["enabled_providers"] = new JsonArray(ProviderId),
        ["autoupdate"] = false,
        ["share"] = "disabled",
        ["permission"] = "allow",
    };

    /// <summary>Appends replies to the default script, used by requests that have no session or directory script.</summary>
    /// <param name="replies">The replies, consumed in order, one per agent-loop request.</param>
    public void Enqueue(params ScriptedReply[] replies) => EnqueueTo(null, null, replies);

    /// <summary>Appends replies to the script of one opencode session (chosen by the <c>x-session-id</c> header).</summary>
    /// <param name="sessionId">The opencode session id (<c>ses_…</c>).</param>
    /// <param name="replies">The replies, consumed in order.</param>
    public void EnqueueForSession(string sessionId, params ScriptedReply[] replies)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        EnqueueTo(_sessionScripts, sessionId, replies);
    }

    /// <summary>
    /// Appends replies to the script of one working directory (as stated in the system prompt, see
    /// <see cref="ModelRequest.WorkingDirectory"/>): handy for concurrent tasks whose session ids are not known in advance.
    /// </summary>
    /// <param name="workingDirectory">The absolute directory the opencode session runs in (a trailing slash is ignored).</param>
    /// <param name="replies">The replies, consumed in order.</param>
    public void EnqueueForDirectory(string workingDirectory, params ScriptedReply[] replies)
    {
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        EnqueueTo(_directoryScripts, NormalizeDirectory(workingDirectory), replies);
    }

    /// <summary>Returns the first recorded request matching <paramref name="predicate"/>, waiting for it if needed.</summary>
    /// <param name="predicate">The condition, for example <c>r =&gt; !r.IsTitleRequest</c>.</param>
    /// <param name="cancellationToken">A token to stop waiting.</param>
    /// <returns>The request (its reply already chosen; it may still be streaming).</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public Task<ModelRequest> WaitForRequestAsync(Func<ModelRequest, bool> predicate, CancellationToken cancellationToken = default) =>
        _requests.WaitAsync(predicate, cancellationToken);

    /// <summary>Stops listening, ends every open stream (hanging ones included) and waits for the requests to finish. Idempotent.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        Log.ServerStopped(_logger, BaseUrl, _requests.Count);
    }

    private static string NormalizeDirectory(string directory) => directory.Length > 1 ? directory.TrimEnd('/') : directory;

    private void EnqueueTo(Dictionary<string, Queue<ScriptedReply>>? scripts, string? key, ScriptedReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        if (replies.Any(r => r is null))
        {
            throw new ArgumentException("A script cannot contain null replies.", nameof(replies));
        }

        lock (_scriptGate)
        {
            var queue = _defaultScript;
            if (scripts is not null && !scripts.TryGetValue(key!, out queue))
            {
                queue = new Queue<ScriptedReply>();
                scripts[key!] = queue;
            }

            foreach (var reply in replies)
            {
                queue.Enqueue(reply);
            }
        }
    }

    /// <summary>Chooses the reply for a parsed, valid request (see the class remarks for the order).</summary>
    private (ScriptedReply Reply, ModelReplySource Source) ChooseReply(ModelRequest request)
    {
        if (request.IsTitleRequest)
        {
            return (ScriptedReply.Text(_options.TitleText), ModelReplySource.Title);
        }

        if (_options.Responder is { } responder)
        {
            try
            {
                if (responder(request) is { } dynamic)
                {
                    return (dynamic, ModelReplySource.Responder);
                }
            }
            catch (Exception ex)
            {
                Log.ResponderFailed(_logger, ex, request.SessionId);
                return (ScriptedReply.HttpError(500, ErrorBody(500, "responder failed: " + ex.Message)), ModelReplySource.Responder);
            }
        }

        lock (_scriptGate)
        {
            var (queue, source) =
                request.SessionId is { } sessionId && _sessionScripts.TryGetValue(sessionId, out var bySession) ? (bySession, ModelReplySource.SessionScript)
                : request.WorkingDirectory is { } directory && _directoryScripts.TryGetValue(NormalizeDirectory(directory), out var byDirectory) ? (byDirectory, ModelReplySource.DirectoryScript)
                : (_defaultScript, ModelReplySource.DefaultScript);
            return queue.TryDequeue(out var reply)
                ? (reply, source)
                : (ScriptedReply.Text(_options.FallbackText), ModelReplySource.ScriptExhausted);
        }
    }

    private string NextCallId() => "call_" + Interlocked.Increment(ref _nextCallId);

    private string NextCompletionId() => "chatcmpl-scripted-" + Interlocked.Increment(ref _nextCompletionId);
}
