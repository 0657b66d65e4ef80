using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Testing;

/// <summary>Options of a <see cref="ScriptedModelServer"/>. Every property has a usable default.</summary>
public sealed record ScriptedModelServerOptions
{
    /// <summary>Gets the provider id used in the opencode configuration. Default <see cref="ScriptedModelServer.DefaultProviderId"/>.</summary>
    public string ProviderId { get; init; } = ScriptedModelServer.DefaultProviderId;

    /// <summary>Gets the model id used in the opencode configuration. Default <see cref="ScriptedModelServer.DefaultModelId"/>.</summary>
    public string ModelId { get; init; } = ScriptedModelServer.DefaultModelId;

    /// <summary>Gets the API key opencode must send as <c>Authorization: Bearer …</c>. Default <c>scripted-key</c>.</summary>
    public string ApiKey { get; init; } = "scripted-key";

    /// <summary>
    /// Gets a value indicating whether requests without the right <c>Authorization: Bearer &lt;ApiKey&gt;</c> header are
    /// answered 401 (and recorded as <see cref="ModelReplySource.Rejected"/>). Default <see langword="true"/>.
    /// </summary>
    public bool RequireApiKey { get; init; } = true;

    /// <summary>Gets the text sent when the applicable script is exhausted. Default <c>(script exhausted)</c>.</summary>
    public string FallbackText { get; init; } = "(script exhausted)";

    /// <summary>Gets the answer to title-generation requests (it becomes the session title). Default <c>Scripted session</c>.</summary>
    public string TitleText { get; init; } = "Scripted session";

    /// <summary>
    /// Gets a callback consulted first for every non-title request; a non-<see langword="null"/> reply is sent and no
    /// script is consumed, <see langword="null"/> falls through to the scripts. It runs on the connection's thread,
    /// possibly concurrently for concurrent sessions; an exception it throws is answered with HTTP 500.
    /// </summary>
    public Func<ModelRequest, ScriptedReply?>? Responder { get; init; }

    /// <summary>Gets the context size written to the model's <c>limit.context</c>. Default 128000.</summary>
    public int ContextLimit { get; init; } = 128_000;

    /// <summary>Gets the output size written to the model's <c>limit.output</c> (opencode's <c>max_tokens</c>). Default 4096.</summary>
    public int OutputLimit { get; init; } = 4096;

    /// <summary>Gets the largest accepted request body. Default 64 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Gets the logger factory; <see langword="null"/> = no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Gets the clock used for <see cref="ModelRequest.ReceivedAt"/> and the chunks' <c>created</c>. Default system.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
