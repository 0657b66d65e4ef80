using System.Diagnostics;
using Opencode.Sessions.Diagnostics;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <content>Building results: completed, empty-stream recovery, cancelled, failed, and the finishing callbacks.</content>
public sealed partial class Turn
{
    private static TurnResult Completed(ReplyResult distilled, IReadOnlyList<OpencodeMessage> exchange, Reply reply)
    {
        var (cost, tokens) = exchange.Count > 0 ? ExchangeParts.Usage(exchange) : (reply.TotalCost, new OpencodeTokens { Input = reply.TotalInputTokens, Output = reply.TotalOutputTokens });
        return new TurnResult
        {
            Status = TurnStatus.Completed,
            Text = distilled.FullText,
            ReasoningText = distilled.ReasoningText,
            Parts = distilled.Parts,
            ToolParts = distilled.ToolParts,
            Exchange = exchange,
            Cost = cost,
            Tokens = tokens,
        };
    }

    private async Task<TurnResult> RecoverEmptyAsync(AttemptState state, string sessionId, int fromIndex, string text, IReadOnlyList<OpencodeMessage> exchange, Activity? activity, CancellationToken cancellationToken)
    {
        var parts = ExchangeParts.Flatten(exchange);
        if (!HasText(parts))
        {
            await Task.Delay(_options.EmptyStreamRetryDelay, _time, cancellationToken).ConfigureAwait(false);
            exchange = await FetchExchangeAsync(sessionId, fromIndex, text, cancellationToken).ConfigureAwait(false);
            parts = ExchangeParts.Merge(state.Reply!.Parts, ExchangeParts.Flatten(exchange));
        }

        if (HasText(parts))
        {
            Emit(activity, "response.recovered_from_exchange");
            state.Reply!.SyncRecoveredParts(parts);
            return await FinalizeAsync(Completed(Reply.Distill(parts), exchange, state.Reply), activity, cancellationToken).ConfigureAwait(false);
        }

        var streamed = Reply.Distill(state.Reply!.Parts);
        var (cost, tokens) = ExchangeParts.Usage(exchange);
        var error = new TurnResult
        {
            Status = TurnStatus.Error,
            Text = _options.FallbackText,
            Parts = streamed.Parts,
            ToolParts = streamed.ToolParts,
            Exchange = exchange,
            Cost = cost,
            Tokens = tokens,
        };
        if (exchange.LastOrDefault(m => m.Info.Error is not null)?.Info.Error is { } upstream)
        {
            Emit(activity, "response.upstream_error", ("error.name", upstream.Name), ("error.status_code", upstream.StatusCode));
            ConversationsLog.UpstreamError(_logger, sessionId, upstream.ToString());
            return error with { ErrorCode = TurnResult.UpstreamLlmError, UpstreamError = upstream };
        }

        Emit(activity, "response.error", ("error.code", TurnResult.EmptyStream));
        ConversationsLog.EmptyStream(_logger, sessionId);
        return error with { ErrorCode = TurnResult.EmptyStream };
    }

    private async Task<TurnResult> FinalizeAsync(TurnResult result, Activity? activity, CancellationToken cancellationToken)
    {
        if (_options.OnFinalized is { } onFinalized)
        {
            try
            {
                await onFinalized(result, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failing persistence callback never turns a completed turn into an error.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Emit(activity, "callback.error", ("callback", "on_finalized"), ("error.type", e.GetType().Name));
                _session.ReportError("on_finalized", e);
            }
        }

        return result;
    }

    private async Task<TurnResult> CancelledAsync(AttemptState state, bool abortUpstream)
    {
        if (abortUpstream && state.SessionId is not null)
        {
            using var limit = new CancellationTokenSource(_options.AbortTimeout, _time);
            try
            {
                await _session.AbortAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e)
            {
                _session.ReportError("abort_session", e);
            }
        }

        var reply = state.Reply;
        var streamed = Reply.Distill(reply?.Parts ?? []);
        return new TurnResult
        {
            Status = TurnStatus.Cancelled,
            Text = string.IsNullOrWhiteSpace(streamed.FullText) ? _options.StoppedText : streamed.FullText,
            ReasoningText = streamed.ReasoningText,
            Parts = streamed.Parts,
            ToolParts = streamed.ToolParts,
            Cost = reply?.TotalCost ?? 0,
            Tokens = new OpencodeTokens { Input = reply?.TotalInputTokens ?? 0, Output = reply?.TotalOutputTokens ?? 0 },
        };
    }

    private TurnResult Failed(AttemptState state, Exception exception, Activity? activity)
    {
        Telemetry.Fail(activity, exception);
        ConversationsLog.TurnFailed(_logger, _session.Record.RecordId, state.SessionId ?? "(none)", exception);
        var streamed = Reply.Distill(state.Reply?.Parts ?? []);
        return new TurnResult
        {
            Status = TurnStatus.Failed,
            Text = _options.FallbackText,
            Parts = streamed.Parts,
            ToolParts = streamed.ToolParts,
            Exception = exception,
        };
    }

    private async Task FinishAsync(TurnResult result, Activity? activity)
    {
        var status = result.Status.ToString().ToLowerInvariant();
        activity?.SetTag("opencode.turn.status", status);
        activity?.SetTag("opencode.turn.cost", result.Cost);
        activity?.SetTag("opencode.turn.tokens.input", result.Tokens.Input);
        activity?.SetTag("opencode.turn.tokens.output", result.Tokens.Output);
        activity?.SetTag("opencode.turn.tool_count", result.ToolParts.Count);
        activity?.SetTag("opencode.session.id", result.SessionId);
        if (result.ErrorCode is not null)
        {
            activity?.SetTag("opencode.turn.error", result.ErrorCode);
        }

        var statusTag = new KeyValuePair<string, object?>("opencode.turn.status", status);
        TurnCount.Add(1, statusTag);
        TurnDuration.Record(result.Duration.TotalSeconds, statusTag);
        ConversationsLog.TurnFinished(_logger, _session.Record.RecordId, status, result.Duration.TotalSeconds, result.ToolParts.Count);
        Emit(activity, "turn.finished", ("status", status));
        if (_options.OnTurnFinished is { } onFinished)
        {
            try
            {
                await onFinished(result, CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The turn is over; a failing callback only gets reported.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _session.ReportError("on_turn_finished", e);
            }
        }
    }

    private static bool HasText(IEnumerable<ReplyPart> parts) =>
        parts.Any(p => p.Kind == ReplyPartKind.Text && !string.IsNullOrWhiteSpace(p.Content));
}
