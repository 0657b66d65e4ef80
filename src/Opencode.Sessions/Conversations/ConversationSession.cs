using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Diagnostics;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// The opencode session that belongs to one application record: created on first use, re-created when it went
/// missing upstream, aborted on demand — race-safe across workers through the record's lock.
/// </summary>
/// <remarks>
/// An instance remembers the session id it last saw, so create one per worker (or per request) over a shared
/// <see cref="ISessionRecord"/>. Upstream sessions are never left orphaned when persisting their id fails.
/// </remarks>
public sealed class ConversationSession
{
    private readonly ConversationSessionOptions _options;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="client">The client of the opencode server (scoped to the conversation's directory).</param>
    /// <param name="record">The record that persists the session id and provides the lock.</param>
    /// <param name="options">Creation request and error callback; null for defaults.</param>
    /// <param name="logger">A logger, or null.</param>
    public ConversationSession(OpencodeClient client, ISessionRecord record, ConversationSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(record);
        Client = client;
        Record = record;
        _options = options ?? new ConversationSessionOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the opencode client.</summary>
    public OpencodeClient Client { get; }

    /// <summary>Gets the record.</summary>
    public ISessionRecord Record { get; }

    /// <summary>Gets the session id this instance last saw or created, or null before the first call.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Gets a value indicating whether the last <see cref="EnsureAsync"/> or <see cref="RecreateAsync(CancellationToken)"/> created the session.</summary>
    public bool JustCreated { get; private set; }

    internal ILogger Logger => _logger;

    internal ConversationSessionOptions Options => _options;

    /// <summary>
    /// Returns the record's session id, creating the upstream session first if there is none. Idempotent:
    /// concurrent callers over the same record get the same session (double-checked under the record's lock;
    /// a lost race reported by <see cref="SessionRecordConflictException"/> adopts the winner's id).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The session id.</returns>
    /// <exception cref="OpencodeClientException">Creating the session failed.</exception>
    public async Task<string> EnsureAsync(CancellationToken cancellationToken = default)
    {
        JustCreated = false;
        if (SessionId is { } known)
        {
            return known;
        }

        if (await Record.LoadSessionIdAsync(cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return SessionId = stored;
        }

        using var activity = Telemetry.ActivitySource.StartActivity("opencode.conversation.ensure");
        var held = await Record.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            if (await Record.LoadSessionIdAsync(cancellationToken).ConfigureAwait(false) is { } winner)
            {
                return SessionId = winner;
            }

            try
            {
                return await MintAsync(stale: null, cancellationToken).ConfigureAwait(false);
            }
            catch (SessionRecordConflictException)
            {
                // A racing worker stored its id first: adopt it (our own new session was already deleted).
                var raced = await Record.LoadSessionIdAsync(cancellationToken).ConfigureAwait(false);
                if (raced is null)
                {
                    throw;
                }

                ConversationsLog.LostRace(_logger, Record.RecordId, raced);
                return SessionId = raced;
            }
        }
    }

    /// <summary>Replaces the session this instance last saw (see <see cref="RecreateAsync(string, CancellationToken)"/>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new session id (or the one another worker already created).</returns>
    /// <exception cref="OpencodeClientException">Creating the session failed.</exception>
    public Task<string> RecreateAsync(CancellationToken cancellationToken = default) => RecreateAsync(SessionId, cancellationToken);

    /// <summary>
    /// Replaces a stale or missing session with a new one. Concurrent callers that saw the same stale id converge
    /// on one new session: under the lock, a stored id different from <paramref name="staleSessionId"/> means
    /// another worker already recreated it, and that id is returned.
    /// </summary>
    /// <param name="staleSessionId">The id found stale, or null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new session id (or the one another worker already created).</returns>
    /// <exception cref="OpencodeClientException">Creating the session failed.</exception>
    public async Task<string> RecreateAsync(string? staleSessionId, CancellationToken cancellationToken = default)
    {
        JustCreated = false;
        using var activity = Telemetry.ActivitySource.StartActivity("opencode.conversation.recreate");
        var held = await Record.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            var stored = await Record.LoadSessionIdAsync(cancellationToken).ConfigureAwait(false);
            if (stored is not null && !string.Equals(stored, staleSessionId, StringComparison.Ordinal))
            {
                return SessionId = stored;
            }

            var created = await MintAsync(staleSessionId, cancellationToken).ConfigureAwait(false);
            ConversationsLog.SessionRecreated(_logger, Record.RecordId, staleSessionId ?? "(none)", created);
            return created;
        }
    }

    /// <summary>
    /// Aborts whatever the session is running. Best effort: without a session it does nothing, and client
    /// failures go to <see cref="ConversationSessionOptions.OnError"/> (action <c>abort_session</c>) instead of throwing.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the server acknowledged the abort.</returns>
    public async Task<bool> AbortAsync(CancellationToken cancellationToken = default)
    {
        var id = SessionId ?? await Record.LoadSessionIdAsync(cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            return false;
        }

        try
        {
            return await Client.AbortSessionAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (OpencodeClientException e)
        {
            ReportError("abort_session", e);
            return false;
        }
    }

    /// <summary>Runs one <see cref="Turn"/> in this conversation (see <see cref="Turn.RunAsync"/>).</summary>
    /// <param name="text">The user's message.</param>
    /// <param name="options">Turn settings; null for defaults.</param>
    /// <param name="cancellationToken">Cancels the turn (the session is aborted; the result is cancelled).</param>
    /// <returns>The result; never throws for a failed turn.</returns>
    public Task<TurnResult> SendAsync(string text, TurnOptions? options = null, CancellationToken cancellationToken = default) =>
        new Turn(this, options).RunAsync(text, cancellationToken);

    internal void ReportError(string action, Exception exception)
    {
        ConversationsLog.BestEffortFailed(_logger, action, Record.RecordId, exception);
        try
        {
            _options.OnError?.Invoke(new ConversationErrorContext(action, Record.RecordId, exception));
        }
#pragma warning disable CA1031 // The error callback is itself best effort.
        catch (Exception callbackError)
#pragma warning restore CA1031
        {
            ConversationsLog.BestEffortFailed(_logger, "on_error", Record.RecordId, callbackError);
        }
    }

    private async Task<string> MintAsync(string? stale, CancellationToken cancellationToken)
    {
        var session = await Client.CreateSessionAsync(_options.CreateRequest(Record), cancellationToken).ConfigureAwait(false);
        try
        {
            await Record.SaveSessionIdAsync(session.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception saveError)
        {
            // Never leave an upstream session nobody references.
            try
            {
                await Client.DeleteSessionAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
                ConversationsLog.OrphanDeleted(_logger, Record.RecordId, session.Id);
            }
            catch (OpencodeClientException deleteError)
            {
                ReportError("delete_orphan_session", deleteError);
            }

            Activity.Current?.AddEvent(new ActivityEvent("session.persist_failed"));
            ConversationsLog.PersistFailed(_logger, Record.RecordId, saveError.GetType().Name);
            throw;
        }

        JustCreated = true;
        ConversationsLog.SessionCreated(_logger, Record.RecordId, session.Id, stale is not null);
        return SessionId = session.Id;
    }
}
