using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Diagnostics;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// One user message and the assistant's answer in a <see cref="ConversationSession"/>: subscribes to the event
/// stream, posts the prompt once the stream is live, streams the reply to observers, takes the authoritative
/// answer from the messages of this turn, recovers once from a stale or missing session by recreating it and
/// re-sending, and ends with a <see cref="TurnResult"/>.
/// </summary>
/// <remarks>
/// <see cref="RunAsync"/> does not throw for turn failures: they become <see cref="TurnStatus.Failed"/> or
/// <see cref="TurnStatus.Error"/> results. Cancelling its token aborts the upstream session and yields
/// <see cref="TurnStatus.Cancelled"/> with the partial answer. Run one turn at a time per conversation.
/// </remarks>
public sealed partial class Turn
{
    private static readonly Counter<long> TurnCount = Telemetry.Meter.CreateCounter<long>(
        "opencode.sessions.turn.count", "{turn}", "Conversation turns by final status.");

    private static readonly Histogram<double> TurnDuration = Telemetry.Meter.CreateHistogram<double>(
        "opencode.sessions.turn.duration", "s", "Duration of conversation turns.");

    private readonly ConversationSession _session;
    private readonly TurnOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long? _lastActivity;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="session">The conversation's session.</param>
    /// <param name="options">Prompt settings, observers, time limits and callbacks; null for defaults.</param>
    /// <param name="logger">A logger, or null for the session's.</param>
    public Turn(ConversationSession session, TurnOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _options = options ?? new TurnOptions();
        _logger = logger ?? session.Logger;
        _time = _options.TimeProvider;
    }

    private OpencodeClient Client => _session.Client;

    /// <summary>Runs the turn.</summary>
    /// <param name="text">The user's message.</param>
    /// <param name="cancellationToken">Cancels the turn: the session is aborted and the result is <see cref="TurnStatus.Cancelled"/>.</param>
    /// <returns>The result; never throws for a failed turn.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public async Task<TurnResult> RunAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var started = _time.GetTimestamp();
        using var activity = Telemetry.ActivitySource.StartActivity("opencode.turn");
        var state = new AttemptState();
        Emit(activity, "response.started");
        TurnResult result;
        while (true)
        {
            try
            {
                result = await RunAttemptAsync(text, state, activity, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                result = await CancelledAsync(state, abortUpstream: true).ConfigureAwait(false);
                break;
            }
            catch (OpencodeClientException e) when (e is OpencodeSessionNotFoundException or OpencodeStaleSessionException && !state.Recreated)
            {
                state.Recreated = true;
                Emit(activity, "session.recreated_with_resend");
                ConversationsLog.RecreatingSession(_logger, _session.Record.RecordId, state.SessionId ?? "(none)", e.GetType().Name);
                try
                {
                    state.SessionId = await _session.RecreateAsync(state.SessionId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception recreateError) when (!cancellationToken.IsCancellationRequested)
                {
                    result = Failed(state, recreateError, activity);
                    break;
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    result = await CancelledAsync(state, abortUpstream: false).ConfigureAwait(false);
                    break;
                }
            }
#pragma warning disable CA1031 // RunAsync reports every failure as a result instead of throwing.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = Failed(state, e, activity);
                break;
            }
        }

        result = result with
        {
            SessionId = state.SessionId,
            SessionCreated = state.Created,
            SessionRecreated = state.Recreated,
            Duration = _time.GetElapsedTime(started),
        };
        await FinishAsync(result, activity).ConfigureAwait(false);
        return result;
    }

    private async Task<TurnResult> RunAttemptAsync(string text, AttemptState state, Activity? activity, CancellationToken cancellationToken)
    {
        state.SessionId = await _session.EnsureAsync(cancellationToken).ConfigureAwait(false);
        if (_session.JustCreated)
        {
            state.Created = true;
            Emit(activity, "session.created");
        }

        var sessionId = state.SessionId;
        var before = await Client.GetMessagesAsync(sessionId, cancellationToken).ConfigureAwait(false);
        var reply = state.Reply = new Reply(_logger, _time);
        foreach (var observer in _options.Observers)
        {
            reply.AddObserver(observer);
        }

        var interrupted = await StreamAsync(text, sessionId, reply, activity, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var exchange = await FetchExchangeAsync(sessionId, before.Count, text, cancellationToken).ConfigureAwait(false);
        var parts = Authoritative(reply, exchange);
        if (ExchangeParts.ShowsMoreWork(exchange) || (interrupted && exchange.Count == 0))
        {
            Emit(activity, "response.waiting_for_final_text");
            var deadline = _time.GetTimestamp() + (long)(_options.FinalExchangeTimeout.TotalSeconds * _time.TimestampFrequency);
            while ((ExchangeParts.ShowsMoreWork(exchange) || (interrupted && exchange.Count == 0)) && _time.GetTimestamp() < deadline)
            {
                await Task.Delay(_options.FinalExchangePollInterval, _time, cancellationToken).ConfigureAwait(false);
                exchange = await FetchExchangeAsync(sessionId, before.Count, text, cancellationToken).ConfigureAwait(false);
                parts = Authoritative(reply, exchange);
                reply.SyncRecoveredParts(parts);
            }
        }

        if (exchange.Count > 0 && exchange[^1].Info.Error is { IsAborted: true })
        {
            // Aborted from elsewhere (a stop button, another worker): a cancellation, not an error.
            return await CancelledAsync(state, abortUpstream: false).ConfigureAwait(false) with { Exchange = exchange };
        }

        var distilled = Reply.Distill(parts);
        if (string.IsNullOrWhiteSpace(distilled.FullText))
        {
            return await RecoverEmptyAsync(state, sessionId, before.Count, text, exchange, activity, cancellationToken).ConfigureAwait(false);
        }

        return await FinalizeAsync(Completed(distilled, exchange, reply), activity, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the turn; returns true when the stream broke after the prompt was posted.</summary>
    private async Task<bool> StreamAsync(string text, string sessionId, Reply reply, Activity? activity, CancellationToken cancellationToken)
    {
        var posted = false;
        var prompt = BuildPrompt(text);
        var streamOptions = new SessionStreamOptions
        {
            OnSubscribed = async ct =>
            {
                await Client.SendPromptAsync(sessionId, prompt, ct).ConfigureAwait(false);
                posted = true;
            },
            Timeout = _options.StreamTimeout,
            FirstEventTimeout = _options.FirstEventTimeout,
            IdleTimeout = _options.IdleStreamTimeout,
            IsWaitingForReply = () => reply.IsWaitingForReply,
        };
        var streamStarted = _time.GetTimestamp();
        TimeSpan? firstToken = null;
        var events = 0;
        try
        {
            await foreach (var e in Client.StreamSessionEventsAsync(sessionId, streamOptions, cancellationToken).ConfigureAwait(false))
            {
                reply.Apply(e);
                events++;
                if (firstToken is null && reply.FirstTextSeen)
                {
                    firstToken = _time.GetElapsedTime(streamStarted);
                }

                await TickAsync(cancellationToken).ConfigureAwait(false);
            }

            var elapsed = _time.GetElapsedTime(streamStarted);
            Emit(activity, "stream.completed", ("duration_s", elapsed.TotalSeconds), ("first_token_s", firstToken?.TotalSeconds), ("event_count", events), ("tool_count", reply.ToolCount));
            ConversationsLog.StreamCompleted(_logger, sessionId, events, reply.ToolCount, elapsed.TotalSeconds);
            return false;
        }
        catch (Exception e) when (posted && !cancellationToken.IsCancellationRequested && e is not (OpencodeSessionNotFoundException or OpencodeStaleSessionException))
        {
            // The prompt is running upstream: never re-send it; take what the server has so far.
            Emit(activity, "stream.interrupted", ("error.type", e.GetType().Name));
            ConversationsLog.StreamInterrupted(_logger, sessionId, e);
            try
            {
                var messages = await Client.GetMessagesAsync(sessionId, cancellationToken).ConfigureAwait(false);
                if (messages.LastOrDefault(m => m.Info.IsAssistant) is { } last)
                {
                    reply.ReplaceParts(ExchangeParts.Flatten([last]));
                }
            }
            catch (OpencodeClientException)
            {
                // best effort
            }

            return true;
        }
    }

    private PromptRequest BuildPrompt(string text) => new()
    {
        Parts = [PromptPart.Text(text), .. _options.ExtraParts ?? []],
        Agent = _options.Agent,
        Model = _options.Model,
        System = _options.System,
    };

    private async Task<IReadOnlyList<OpencodeMessage>> FetchExchangeAsync(string sessionId, int fromIndex, string text, CancellationToken cancellationToken)
    {
        try
        {
            var messages = await Client.GetMessagesAsync(sessionId, cancellationToken).ConfigureAwait(false);
            return ExchangeParts.CurrentExchange(messages, fromIndex, text);
        }
        catch (OpencodeClientException)
        {
            return [];
        }
    }

    /// <summary>The exchange's parts (stream-only parts merged back) unless their text is blank, else the stream's.</summary>
    private static IReadOnlyList<ReplyPart> Authoritative(Reply reply, IReadOnlyList<OpencodeMessage> exchange)
    {
        var merged = ExchangeParts.Merge(reply.Parts, ExchangeParts.Flatten(exchange));
        return merged.Any(p => p.Kind == ReplyPartKind.Text && !string.IsNullOrWhiteSpace(p.Content)) ? merged : reply.Parts.Select(p => p.Clone()).ToArray();
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_options.OnActivity is not { } onActivity ||
            (_lastActivity is { } last && _time.GetElapsedTime(last) < _options.ActivityInterval))
        {
            return;
        }

        _lastActivity = _time.GetTimestamp();
        try
        {
            await onActivity(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _session.ReportError("on_activity", e);
        }
    }

    private static void Emit(Activity? activity, string name, params (string Key, object? Value)[] tags)
    {
        if (activity is null)
        {
            return;
        }

        var collection = new ActivityTagsCollection();
        foreach (var (key, value) in tags)
        {
            collection[key] = value;
        }

        activity.AddEvent(new ActivityEvent(name, tags: collection));
    }

    private sealed class AttemptState
    {
        public string? SessionId { get; set; }

        public bool Created { get; set; }

        public bool Recreated { get; set; }

        public Reply? Reply { get; set; }
    }
}
