using System.Runtime.CompilerServices;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Opencode;

/// <content>The server-sent event stream.</content>
public partial class OpencodeClient
{
    /// <summary>
    /// Follows the event stream of one session until it goes idle: events of other sessions are dropped
    /// (<c>server.*</c> events pass), the stream is reopened after transport failures (never re-posting anything),
    /// and the enumeration ends after the terminal event (<c>session.idle</c> or an idle <c>session.status</c>),
    /// which is delivered.
    /// </summary>
    /// <param name="sessionId">The session to follow.</param>
    /// <param name="options">Subscribe callback and deadlines; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The session's events.</returns>
    /// <exception cref="OpencodeServerException">The stream was refused (non-2xx) or sent an over-long event.</exception>
    /// <exception cref="OpencodeTimeoutException">The session did not become idle in time.</exception>
    /// <exception cref="OpencodeStaleSessionException">No session event arrived within the first-event timeout.</exception>
    /// <exception cref="OpencodeIdleStreamException">The session went quiet longer than the idle timeout.</exception>
    /// <remarks>Exceptions of <see cref="SessionStreamOptions.OnSubscribed"/> and of the caller's loop surface unchanged.</remarks>
    /// <example>
    /// <code>
    /// await foreach (var e in client.StreamSessionEventsAsync(id, new SessionStreamOptions
    /// {
    ///     OnSubscribed = ct => client.SendPromptAsync(id, PromptRequest.FromText("Hello"), ct),
    /// }, cancellationToken))
    /// {
    ///     if (e is MessagePartDeltaEvent delta) Console.Write(delta.Delta);
    /// }
    /// </code>
    /// </example>
    public virtual async IAsyncEnumerable<OpencodeEvent> StreamSessionEventsAsync(
        string sessionId,
        SessionStreamOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        options ??= new SessionStreamOptions();
        options.Validate();
        await using var reader = new SessionEventReader(this, sessionId, options);
        while (await reader.NextAsync(cancellationToken).ConfigureAwait(false) is { } next)
        {
            yield return next;
        }
    }

    /// <summary>
    /// Opens one connection to <c>GET /event</c> and yields every event of the directory until the server closes
    /// it. No filtering, no reconnection: see <see cref="StreamSessionEventsAsync"/> for that.
    /// </summary>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The events.</returns>
    /// <exception cref="OpencodeServerException">The stream was refused (non-2xx) or sent an over-long event.</exception>
    /// <exception cref="OpencodeTimeoutException">Nothing arrived for <see cref="OpencodeClientOptions.StreamReadTimeout"/>.</exception>
    /// <exception cref="OpencodeConnectionException">The connection failed or broke.</exception>
    public virtual async IAsyncEnumerable<OpencodeEvent> SubscribeEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await OpenOrThrowAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var events = new List<OpencodeEvent>();
            while (true)
            {
                events.Clear();
                if (!await ReadOrThrowAsync(connection, events, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                foreach (var e in events)
                {
                    yield return e;
                }
            }
        }
    }

    private async Task<EventConnection> OpenOrThrowAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await EventConnection.OpenAsync(this, Options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OpencodeClientException && !cancellationToken.IsCancellationRequested)
        {
            throw e is OperationCanceledException || OpencodeErrorMapper.IsTimeout(e)
                ? OpencodeErrorMapper.Timeout("GET /event", Options.Timeout, e)
                : OpencodeErrorMapper.Connection("GET /event", Options.BaseAddress, e);
        }
    }

    private async Task<bool> ReadOrThrowAsync(EventConnection connection, List<OpencodeEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.ReadAsync(events, Options.StreamReadTimeout, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw OpencodeErrorMapper.Timeout("GET /event", Options.StreamReadTimeout, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw OpencodeErrorMapper.Connection("GET /event", Options.BaseAddress, e);
        }
    }
}
