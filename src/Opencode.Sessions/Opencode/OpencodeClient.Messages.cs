using System.Text.Json;
using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <content>Message, prompt, question and permission routes.</content>
public partial class OpencodeClient
{
    /// <summary>Gets the messages of a session, oldest first, all roles (<c>GET /session/:id/message</c>).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The messages with their parts.</returns>
    /// <exception cref="OpencodeSessionNotFoundException">No such session.</exception>
    /// <exception cref="OpencodeClientException">The call failed otherwise.</exception>
    public virtual async Task<IReadOnlyList<OpencodeMessage>> GetMessagesAsync(string sessionId, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, SessionPath(sessionId) + "/message", null, OpencodeJsonContext.Default.ListOpencodeMessage, [], scoped: true, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends a prompt and waits for the whole agent loop (<c>POST /session/:id/message</c>); returns the last
    /// assistant message. Prefer <see cref="SendPromptAsync"/> with the event stream for anything long.
    /// </summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="request">The prompt.</param>
    /// <param name="cancellationToken">Cancels the wait (the server keeps running the loop).</param>
    /// <returns>The last assistant message.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual Task<OpencodeMessage> SendMessageAsync(string sessionId, PromptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/message", OpencodeWireBodies.Prompt(request), OpencodeJsonContext.Default.OpencodeMessage, new OpencodeMessage(), scoped: true, cancellationToken);
    }

    /// <summary>
    /// Queues a prompt and returns at once (<c>POST /session/:id/prompt_async</c>, 204); follow the result on the
    /// event stream. Never retry this call blindly: a time-out is ambiguous and a retry may start a second, billed turn.
    /// </summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="request">The prompt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the prompt.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task SendPromptAsync(string sessionId, PromptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SendRawAsync(HttpMethod.Post, SessionPath(sessionId) + "/prompt_async", OpencodeWireBodies.Prompt(request), scoped: true, query: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists pending questions (<c>GET /question</c>); a non-array answer yields an empty list.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The pending questions.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task<IReadOnlyList<OpencodeQuestion>> ListQuestionsAsync(CancellationToken cancellationToken = default)
    {
        var (_, body, request) = await SendRawAsync(HttpMethod.Get, "/question", null, scoped: true, query: null, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "[]"u8.ToArray() : body);
            return document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.Deserialize(OpencodeJsonContext.Default.ListOpencodeQuestion) ?? []
                : [];
        }
        catch (JsonException e)
        {
            throw OpencodeErrorMapper.Unparseable(request, 200, body, e);
        }
    }

    /// <summary>Answers a question (<c>POST /question/:requestId/reply</c>).</summary>
    /// <param name="requestId">The request id (<c>que_…</c>).</param>
    /// <param name="answers">One list of chosen option labels per question, in order.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the answer.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task ReplyToQuestionAsync(string requestId, IReadOnlyList<IReadOnlyList<string>> answers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(answers);
        await SendRawAsync(HttpMethod.Post, RequestPath("/question/", requestId) + "/reply", OpencodeWireBodies.QuestionReply(answers), scoped: true, query: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declines to answer a question (<c>POST /question/:requestId/reject</c>).</summary>
    /// <param name="requestId">The request id (<c>que_…</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the rejection.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task RejectQuestionAsync(string requestId, CancellationToken cancellationToken = default) =>
        await SendRawAsync(HttpMethod.Post, RequestPath("/question/", requestId) + "/reject", new JsonObject(), scoped: true, query: null, cancellationToken).ConfigureAwait(false);

    /// <summary>Answers a permission request (<c>POST /permission/:requestId/reply</c>).</summary>
    /// <param name="requestId">The request id (<c>per_…</c>).</param>
    /// <param name="reply">Once, always or reject.</param>
    /// <param name="message">An optional message to the agent (for example why it was rejected).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the server accepted the reply.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task ReplyToPermissionAsync(string requestId, PermissionReply reply, string? message = null, CancellationToken cancellationToken = default) =>
        await SendRawAsync(HttpMethod.Post, RequestPath("/permission/", requestId) + "/reply", OpencodeWireBodies.PermissionReply(reply, message), scoped: true, query: null, cancellationToken).ConfigureAwait(false);

    private static string RequestPath(string prefix, string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        return prefix + Uri.EscapeDataString(requestId);
    }
}
