using System.Text.Json.Nodes;

namespace Opencode.Sessions.Opencode;

/// <content>Health and session routes.</content>
public partial class OpencodeClient
{
    /// <summary>Calls <c>GET /global/health</c> (never directory-scoped).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The health report.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual Task<OpencodeHealth> GetHealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "/global/health", null, OpencodeJsonContext.Default.OpencodeHealth, new OpencodeHealth(), scoped: false, cancellationToken);

    /// <summary>Creates a session (<c>POST /session</c>).</summary>
    /// <param name="request">Title, permissions, parent, agent, model, metadata, workspace; null for all defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new session.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses), or the answer has no id.</exception>
    public virtual async Task<OpencodeSession> CreateSessionAsync(CreateSessionRequest? request = null, CancellationToken cancellationToken = default)
    {
        var body = OpencodeWireBodies.CreateSession(request ?? new CreateSessionRequest());
        var session = await SendAsync(HttpMethod.Post, "/session", body, OpencodeJsonContext.Default.OpencodeSession, new OpencodeSession(), scoped: true, cancellationToken).ConfigureAwait(false);
        return RequireId(session, "POST /session");
    }

    /// <summary>Gets one session (<c>GET /session/:id</c>).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session.</returns>
    /// <exception cref="OpencodeSessionNotFoundException">No such session.</exception>
    /// <exception cref="OpencodeClientException">The call failed otherwise.</exception>
    public virtual async Task<OpencodeSession> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var path = SessionPath(sessionId);
        var session = await SendAsync(HttpMethod.Get, path, null, OpencodeJsonContext.Default.OpencodeSession, new OpencodeSession(), scoped: true, cancellationToken).ConfigureAwait(false);
        return RequireId(session, "GET " + path);
    }

    /// <summary>Lists the sessions of the directory (<c>GET /session</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sessions.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task<IReadOnlyList<OpencodeSession>> ListSessionsAsync(CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, "/session", null, OpencodeJsonContext.Default.ListOpencodeSession, [], scoped: true, cancellationToken).ConfigureAwait(false);

    /// <summary>Lists the child sessions of a session (<c>GET /session/:id/children</c>).</summary>
    /// <param name="sessionId">The parent session id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The child sessions.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task<IReadOnlyList<OpencodeSession>> GetChildSessionsAsync(string sessionId, CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, SessionPath(sessionId) + "/children", null, OpencodeJsonContext.Default.ListOpencodeSession, [], scoped: true, cancellationToken).ConfigureAwait(false);

    /// <summary>Updates a session (<c>PATCH /session/:id</c>). Permission rules are APPENDED by the server.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="request">The fields to change.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The updated session.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task<OpencodeSession> UpdateSessionAsync(string sessionId, UpdateSessionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = SessionPath(sessionId);
        return await SendAsync(HttpMethod.Patch, path, OpencodeWireBodies.UpdateSession(request), OpencodeJsonContext.Default.OpencodeSession, new OpencodeSession { Id = sessionId }, scoped: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a session and its messages (<c>DELETE /session/:id</c>).</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the server confirmed the deletion.</returns>
    /// <exception cref="OpencodeSessionNotFoundException">No such session.</exception>
    /// <exception cref="OpencodeClientException">The call failed otherwise.</exception>
    public virtual Task<bool> DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, SessionPath(sessionId), null, OpencodeJsonContext.Default.Boolean, true, scoped: true, cancellationToken);

    /// <summary>Aborts whatever the session is running (<c>POST /session/:id/abort</c>); the model request is closed.</summary>
    /// <param name="sessionId">The session id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the server acknowledged the abort.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual Task<bool> AbortSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, SessionPath(sessionId) + "/abort", new JsonObject(), OpencodeJsonContext.Default.Boolean, true, scoped: true, cancellationToken);

    /// <summary>Gets the run state of every non-idle session (<c>GET /session/status</c>); idle sessions are absent.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The states keyed by session id.</returns>
    /// <exception cref="OpencodeClientException">The call failed (see the subclasses).</exception>
    public virtual async Task<IReadOnlyDictionary<string, OpencodeSessionStatus>> GetSessionStatusAsync(CancellationToken cancellationToken = default) =>
        await SendAsync(HttpMethod.Get, "/session/status", null, OpencodeJsonContext.Default.DictionaryStringOpencodeSessionStatus, [], scoped: true, cancellationToken).ConfigureAwait(false);

    internal static string SessionPath(string sessionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return "/session/" + Uri.EscapeDataString(sessionId);
    }

    private static OpencodeSession RequireId(OpencodeSession session, string request)
    {
        if (string.IsNullOrEmpty(session.Id))
        {
            throw new OpencodeServerException(
                $"opencode answered {request} without a session id.{Environment.NewLine}" +
                "Is BaseAddress pointing at an opencode server (and not at a proxy or another service)?")
            {
                Request = request,
            };
        }

        return session;
    }
}
