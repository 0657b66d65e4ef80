using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// The reconnecting, session-filtered event stream behind <see cref="OpencodeClient.StreamSessionEventsAsync"/>:
/// subscribe-before-prompt, deadlines (overall, first event, idle), and reopening the stream — never re-posting
/// the prompt — after transport failures.
/// </summary>
internal sealed class SessionEventReader : IAsyncDisposable
{
    private readonly OpencodeClient _client;
    private readonly string _sessionId;
    private readonly SessionStreamOptions _options;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Queue<OpencodeEvent> _pending = new();
    private readonly List<OpencodeEvent> _chunk = [];
    private EventConnection? _connection;
    private bool _connectionReady;
    private bool _subscribeAttempted;
    private bool _sawSessionEvents;
    private bool _finished;
    private int _attempts;
    private int _delivered;
    private TimeSpan _deadline;
    private TimeSpan _firstEventDeadline;
    private TimeSpan _lastMeaningful;

    public SessionEventReader(OpencodeClient client, string sessionId, SessionStreamOptions options)
    {
        _client = client;
        _sessionId = sessionId;
        _options = options;
        _time = client.Options.TimeProvider;
        _origin = _time.GetTimestamp();
        RestartClocks();
    }

    /// <summary>Gets the number of times the stream was reopened after a failure.</summary>
    public int Reconnects => Math.Max(0, _attempts - 1);

    private TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Returns the next delivered event, or null after the terminal one.</summary>
    public async ValueTask<OpencodeEvent?> NextAsync(CancellationToken cancellationToken)
    {
        if (_finished)
        {
            return null;
        }

        while (true)
        {
            while (_pending.TryDequeue(out var next))
            {
                if (await AcceptAsync(next, cancellationToken).ConfigureAwait(false))
                {
                    if (next.IsTerminal)
                    {
                        _finished = true;
                        await CloseAsync().ConfigureAwait(false);
                        OpencodeClientLog.StreamEnded(_client.Logger, _sessionId, _delivered, Reconnects);
                    }

                    return next;
                }
            }

            CheckDeadlines();
            if (_connection is null && !await TryOpenAsync(cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => CloseAsync();

    private async Task<bool> TryOpenAsync(CancellationToken cancellationToken)
    {
        if (_attempts > 0)
        {
            var pause = Min(_options.ReconnectDelay, TimeLeft());
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        _attempts++;
        try
        {
            _connection = await EventConnection.OpenAsync(_client, ReadBound(), cancellationToken).ConfigureAwait(false);
            _connectionReady = false;
            OpencodeClientLog.StreamConnected(_client.Logger, _attempts);
            return true;
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            OpencodeClientLog.StreamReconnecting(_client.Logger, _sessionId, Describe(e));
            return false;
        }
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        bool more;
        _chunk.Clear();
        try
        {
            more = await _connection!.ReadAsync(_chunk, ReadBound(), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e, cancellationToken))
        {
            OpencodeClientLog.StreamReconnecting(_client.Logger, _sessionId, Describe(e));
            await CloseAsync().ConfigureAwait(false);
            return;
        }

        if (!more)
        {
            OpencodeClientLog.StreamReconnecting(_client.Logger, _sessionId, "end of stream");
            await CloseAsync().ConfigureAwait(false);
            return;
        }

        if (_options.IsWaitingForReply?.Invoke() == true)
        {
            // A pending question or permission is a healthy human wait: a live connection keeps the deadline away.
            _deadline = Now + _options.Timeout;
        }

        foreach (var received in _chunk)
        {
            _pending.Enqueue(received);
        }

        CheckDeadlines();
    }

    private async Task<bool> AcceptAsync(OpencodeEvent received, CancellationToken cancellationToken)
    {
        if (_options.OnSubscribed is { } onSubscribed && !_connectionReady)
        {
            if (received is not ServerConnectedEvent)
            {
                return false;
            }

            _connectionReady = true;
            if (!_subscribeAttempted)
            {
                // Mark first: even if the callback fails or times out, it must never run again for this stream.
                _subscribeAttempted = true;
                await onSubscribed(cancellationToken).ConfigureAwait(false);
                OpencodeClientLog.PromptPosted(_client.Logger, _sessionId);
                RestartClocks();
            }
        }

        if (!received.IsServerEvent)
        {
            if (!string.Equals(received.SessionId, _sessionId, StringComparison.Ordinal))
            {
                return false;
            }

            _sawSessionEvents = true;
            _lastMeaningful = Now;
        }

        _delivered++;
        return true;
    }

    private void CheckDeadlines()
    {
        var now = Now;
        if (now >= _deadline)
        {
            throw new OpencodeTimeoutException(
                $"SSE stream timed out after {OpencodeErrorMapper.Seconds(_options.Timeout)}s waiting for session {_sessionId} to become idle.{Environment.NewLine}" +
                "The turn may still be running on the server; abort it, or raise SessionStreamOptions.Timeout for long agent loops.")
            {
                Timeout = _options.Timeout,
                Request = "GET /event",
            };
        }

        if (!_sawSessionEvents && now >= _firstEventDeadline)
        {
            throw new OpencodeStaleSessionException(
                $"No events for session {_sessionId} within {OpencodeErrorMapper.Seconds(_options.FirstEventTimeout)}s.{Environment.NewLine}" +
                "The session is stale (the server restarted, or the stream is scoped to another directory than the session): recreate it.")
            {
                SessionId = _sessionId,
                Request = "GET /event",
            };
        }

        if (_options.IdleTimeout is { } idle && _sawSessionEvents && now - _lastMeaningful >= idle)
        {
            throw new OpencodeIdleStreamException(
                $"Session {_sessionId} produced no event for {OpencodeErrorMapper.Seconds(idle)}s although the stream is alive.{Environment.NewLine}" +
                "The model or a tool is hung; abort the session, or raise SessionStreamOptions.IdleTimeout.")
            {
                SessionId = _sessionId,
                Request = "GET /event",
            };
        }
    }

    /// <summary>Time left until the cutoff that matters now: the overall deadline once the session spoke, else the first-event one.</summary>
    private TimeSpan TimeLeft() => (_sawSessionEvents ? _deadline : Min(_deadline, _firstEventDeadline)) - Now;

    private TimeSpan ReadBound()
    {
        var now = Now;
        var bound = Min(_client.Options.StreamReadTimeout, _deadline - now);
        if (!_sawSessionEvents)
        {
            bound = Min(bound, _firstEventDeadline - now);
        }
        else if (_options.IdleTimeout is { } idle)
        {
            bound = Min(bound, _lastMeaningful + idle - now);
        }

        return bound < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : bound;
    }

    private void RestartClocks()
    {
        var now = Now;
        _deadline = now + _options.Timeout;
        _firstEventDeadline = now + _options.FirstEventTimeout;
        _lastMeaningful = now;
    }

    private async ValueTask CloseAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static bool IsTransport(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or TimeoutException or ObjectDisposedException ||
        (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception e) => e.GetType().Name + ": " + (e.InnerException?.Message ?? e.Message);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
