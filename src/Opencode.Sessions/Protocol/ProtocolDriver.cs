using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Reads the agent's log channel (<c>optio.log</c>) and acts on it (lifecycle §4.2–§4.4): STATUS lines become
/// progress, DELIVERABLE lines are validated and queued for a single sequential fetch loop that calls
/// <see cref="DeliverableHandler"/>, DONE and ERROR end the reading.
/// </summary>
/// <remarks>
/// Usage: <see cref="RunAsync"/> once; then, after <see cref="ProtocolOutcome.Done"/> or
/// <see cref="ProtocolOutcome.EndedWithoutDone"/>, <see cref="DrainAsync"/> to wait for the queued deliverables; finally
/// <see cref="DisposeAsync"/>, which stops the fetch loop and drops what is still queued (after ERROR, a premature exit
/// or when a bounded drain on cancellation ran out). The fetch loop starts with the driver and outlives
/// <see cref="RunAsync"/>. The token passed to the callback is cancelled when the drain is cancelled or the driver is
/// disposed; a callback that ignores it is abandoned, so disposal never hangs on it.
/// </remarks>
internal sealed partial class ProtocolDriver : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly HookContext _hookContext;
    private readonly DeliverableHandler? _onDeliverable;
    private readonly ILogger _logger;
    private readonly ProtocolDriverOptions _options;
    private readonly DeliverablePathValidator _validator;
    private readonly Channel<QueuedDeliverable> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _emitted = [];
    private readonly Task _fetchLoop;
    private readonly ProgressCoalescer _progress;
    private int _running;
    private int _disposed;

    /// <summary>Initializes the driver and starts its fetch loop.</summary>
    /// <param name="host">The host the session runs on (path resolution and file reads).</param>
    /// <param name="hookContext">Passed to the callback; progress is reported through it.</param>
    /// <param name="onDeliverable">The consumer's callback, or <see langword="null"/> (deliverables are still validated and fetched).</param>
    /// <param name="logger">The logger.</param>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ProtocolDriverOptions.Default"/>.</param>
    public ProtocolDriver(IHost host, HookContext hookContext, DeliverableHandler? onDeliverable, ILogger logger, ProtocolDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(hookContext);
        ArgumentNullException.ThrowIfNull(logger);
        _host = host;
        _hookContext = hookContext;
        _onDeliverable = onDeliverable;
        _logger = logger;
        _options = options ?? ProtocolDriverOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueueCapacity, 1, nameof(options));
        _validator = new DeliverablePathValidator(host);
        _queue = Channel.CreateBounded<QueuedDeliverable>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _progress = new ProgressCoalescer(_options, Report);
        _fetchLoop = Task.Run(() => FetchLoopAsync(_stop.Token));
    }

    /// <summary>Gets the paths (relative to <c>deliverables/</c>) of every deliverable queued so far, in log order.</summary>
    public IReadOnlyList<string> DeliverablesEmitted
    {
        get
        {
            lock (_emitted)
            {
                return [.. _emitted];
            }
        }
    }

    /// <summary>Reads lines and dispatches them until DONE or ERROR is seen or the source ends. Call once.</summary>
    /// <param name="lines">The followed <c>optio.log</c> (from <see cref="IHost.FollowFileAsync"/>).</param>
    /// <param name="cancellationToken">Stops reading; the fetch loop is not affected.</param>
    /// <returns>
    /// <see cref="ProtocolOutcome.Done"/> or <see cref="ProtocolOutcome.Error"/> when the agent said so (the source is
    /// disposed and later lines are ignored), else <see cref="ProtocolOutcome.EndedWithoutDone"/> when the source ended
    /// or threw.
    /// </returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled or the driver was disposed.</exception>
    /// <exception cref="InvalidOperationException">Called twice, or <see cref="DrainAsync"/> closed the queue while reading.</exception>
    public async Task<ProtocolOutcome> RunAsync(IAsyncEnumerable<FollowedLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("ProtocolDriver.RunAsync may be called only once.");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        var enumerator = lines.GetAsyncEnumerator(token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    var next = enumerator.MoveNextAsync();
                    if (!next.IsCompleted)
                    {
                        _progress.OnIdle();
                    }

                    more = await next.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    _progress.Flush();
                    Log.LineSourceFailed(_logger, ex);
                    return new ProtocolOutcome.EndedWithoutDone(ex);
                }

                if (!more)
                {
                    _progress.Flush();
                    token.ThrowIfCancellationRequested();
                    Log.LineSourceEnded(_logger);
                    return new ProtocolOutcome.EndedWithoutDone(null);
                }

                var outcome = await DispatchAsync(enumerator.Current, token).ConfigureAwait(false);
                if (outcome is not null)
                {
                    return outcome;
                }
            }
        }
        finally
        {
            try
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.LineSourceDisposeFailed(_logger, ex);
            }
        }
    }

    /// <summary>
    /// Closes the queue and waits until every queued deliverable was fetched and its callback finished.
    /// </summary>
    /// <param name="cancellationToken">
    /// Bounds the wait: when cancelled, the fetch loop is cancelled too (the running callback sees its token cancelled,
    /// the remaining items are dropped) and <see cref="OperationCanceledException"/> is thrown.
    /// </param>
    /// <returns>A task that completes when the queue is empty and the fetch loop has ended.</returns>
    /// <exception cref="ObjectDisposedException">The driver was disposed.</exception>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _queue.Writer.TryComplete();
        try
        {
            await _fetchLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops reading and the fetch loop; queued deliverables that were not fetched are dropped. Idempotent.</summary>
    /// <returns>A task that completes when the fetch loop has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await _fetchLoop.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.FetchLoopFailed(_logger, ex);
        }

        var dropped = 0;
        while (_queue.Reader.TryRead(out _))
        {
            dropped++;
        }

        if (dropped > 0)
        {
            Log.PendingDeliverablesDropped(_logger, dropped);
        }

        // _stop is not disposed: it has no timer and no parent, and a concurrent DrainAsync may still cancel it.
    }

    private async Task<ProtocolOutcome?> DispatchAsync(FollowedLine line, CancellationToken cancellationToken)
    {
        // The parser neutralises control characters (AgentText), so nothing below sees the agent's raw bytes.
        var parsed = LogLineParser.Parse(line.Text);
        var coalesced = parsed is StatusLine or UnknownLine;
        if (!coalesced)
        {
            // Acted-on lines are never coalesced: what was held back is reported first, in order.
            _progress.Flush();
        }

        if (line.Truncated)
        {
            Log.LineTruncated(_logger, _options.MaxLineBytes);
            Notice(coalesced, $"optio.log: a line longer than {_options.MaxLineBytes} bytes was cut ({Preview(AgentText.Neutralise(line.Text))})");
        }

        if (line.InvalidUtf8)
        {
            Log.LineInvalidUtf8(_logger);
            Notice(coalesced, "optio.log: a line was not valid UTF-8; invalid bytes were replaced with U+FFFD");
        }

        // A cut line is still parsed on its own (its head), but whatever it carries is quoted only in part.
        switch (parsed)
        {
            case StatusLine status:
                _progress.Status(status.Percent, line.Truncated ? Preview(status.Message) : status.Message);
                return null;

            case DeliverableLine deliverable when line.Truncated:
                // A path cut short is not the path the agent meant.
                Report(null, DeliverablePathValidation.InvalidPathMessage(Preview(deliverable.Path)));
                return null;

            case DeliverableLine deliverable:
                await AcceptDeliverableAsync(deliverable.Path, cancellationToken).ConfigureAwait(false);
                return null;

            case DoneLine done:
                var summary = line.Truncated && done.Summary is not null ? Preview(done.Summary) : done.Summary;
                if (!string.IsNullOrEmpty(summary))
                {
                    Report(null, summary);
                }

                Log.DoneSeen(_logger);
                return new ProtocolOutcome.Done(summary);

            case ErrorLine error:
                var message = line.Truncated && error.Message is not null ? Preview(error.Message) : error.Message;
                Log.ErrorSeen(_logger, message);
                return new ProtocolOutcome.Error(message);

            case UnknownLine unknown when unknown.Text.Length > 0 && !line.Truncated:
                _progress.Unknown(unknown.Text);
                return null;

            default:
                // Empty lines are ignored; a cut unknown line was already quoted in the "was cut" message.
                return null;
        }
    }

    private async Task AcceptDeliverableAsync(string announcedPath, CancellationToken cancellationToken)
    {
        DeliverablePathValidation validation;
        try
        {
            validation = await _validator.ValidateAsync(announcedPath, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.DeliverableValidationFailed(_logger, announcedPath, ex);
            Report(null, DeliverablePathValidation.InvalidPathMessage(announcedPath));
            return;
        }

        Report(null, validation.ProgressMessage);
        if (validation.Status != DeliverablePathStatus.Valid)
        {
            Log.DeliverableRejected(_logger, announcedPath, validation.Status, validation.HostPath);
            return;
        }

        var item = new QueuedDeliverable(validation.RelativePath!, validation.HostPath);
        try
        {
            // Blocks while the queue is full: backpressure on reading optio.log.
            await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed while waiting for room: report it as the cancellation it is.
            throw new OperationCanceledException(cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new InvalidOperationException("The deliverable queue was closed (DrainAsync) while RunAsync was still reading optio.log.", ex);
        }

        lock (_emitted)
        {
            _emitted.Add(item.RelativePath);
        }

        Log.DeliverableQueued(_logger, item.RelativePath, item.HostPath);
    }

    /// <summary>A note about a line: coalesced with the line itself when that is a STATUS or unrecognised one.</summary>
    private void Notice(bool coalesced, string message)
    {
        if (coalesced)
        {
            _progress.Unknown(message);
        }
        else
        {
            Report(null, message);
        }
    }

    private void Report(int? percent, string? message)
    {
        try
        {
            _hookContext.ReportProgress(percent, message);
        }
        catch (Exception ex)
        {
            // The application's progress sink must not end the session or the fetch loop.
            Log.ProgressReportFailed(_logger, ex);
        }
    }

    private string Preview(string text)
    {
        var max = _options.PreviewChars;
        if (text.Length <= max)
        {
            return text + "…";
        }

        var cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, cut), "…");
    }

    private readonly record struct QueuedDeliverable(string RelativePath, string HostPath);
}
