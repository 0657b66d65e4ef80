using System.Globalization;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Bounds the progress callbacks a flood of STATUS and unrecognised log lines costs, with a token bucket
/// (<see cref="ProtocolDriverOptions.ProgressBurst"/> lines at once, then
/// <see cref="ProtocolDriverOptions.ProgressPerSecond"/>). Over the budget, unrecognised lines are counted and
/// reported as one "skipped N unrecognised lines" message, and a STATUS line replaces the pending one: the latest
/// STATUS is never lost. Both are reported by <see cref="Flush"/> (before a DELIVERABLE, DONE or ERROR line is acted
/// on, and when the log ends) and at least every <see cref="ProtocolDriverOptions.CoalescedSummaryInterval"/> during
/// a flood. Memory stays constant: one pending STATUS and a counter. Not thread-safe: the driver's reading loop owns it.
/// </summary>
internal sealed class ProgressCoalescer
{
    private readonly Action<int?, string?> _report;
    private readonly TimeProvider _clock;
    private readonly double _burst;
    private readonly double _perSecond;
    private readonly TimeSpan _summaryInterval;
    private double _tokens;
    private long _refilledAt;
    private long _flushedAt;
    private long _skipped;
    private (int? Percent, string Message)? _pendingStatus;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="options">The limits and the clock.</param>
    /// <param name="report">Where progress goes.</param>
    public ProgressCoalescer(ProtocolDriverOptions options, Action<int?, string?> report)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProgressBurst, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ProgressPerSecond, nameof(options));
        _report = report;
        _clock = options.TimeProvider ?? TimeProvider.System;
        _burst = options.ProgressBurst;
        _perSecond = options.ProgressPerSecond;
        _summaryInterval = options.CoalescedSummaryInterval;
        _tokens = _burst;
        _refilledAt = _flushedAt = _clock.GetTimestamp();
    }

    /// <summary>Gets how many unrecognised lines were skipped since the last summary.</summary>
    public long Skipped => _skipped;

    /// <summary>Reports a STATUS line now, or keeps it as the pending one when over the budget.</summary>
    public void Status(int? percent, string message)
    {
        if (TryTake())
        {
            _pendingStatus = null;
            _report(percent, message);
        }
        else
        {
            _pendingStatus = (percent, message);
            FlushIfDue();
        }
    }

    /// <summary>Reports an unrecognised line now, or counts it as skipped when over the budget.</summary>
    public void Unknown(string text)
    {
        if (TryTake())
        {
            _report(null, text);
        }
        else
        {
            _skipped++;
            FlushIfDue();
        }
    }

    /// <summary>Reports the skipped-lines summary and the pending STATUS, if any, whatever the budget.</summary>
    public void Flush()
    {
        _flushedAt = _clock.GetTimestamp();
        if (_skipped > 0)
        {
            var skipped = _skipped;
            _skipped = 0;
            _report(null, $"optio.log: skipped {skipped.ToString(CultureInfo.InvariantCulture)} unrecognised lines (more than {_perSecond.ToString(CultureInfo.InvariantCulture)} per second)");
        }

        if (_pendingStatus is { } status)
        {
            _pendingStatus = null;
            _report(status.Percent, status.Message);
        }
    }

    /// <summary>
    /// Called when the log has no further line ready: reports what is pending if the budget allows one more report,
    /// so a coalesced STATUS does not wait for the agent's next line.
    /// </summary>
    public void OnIdle()
    {
        if ((_skipped > 0 || _pendingStatus is not null) && TryTake())
        {
            Flush();
        }
    }

    private void FlushIfDue()
    {
        if (_clock.GetElapsedTime(_flushedAt) >= _summaryInterval)
        {
            Flush();
        }
    }

    private bool TryTake()
    {
        var now = _clock.GetTimestamp();
        var elapsed = _clock.GetElapsedTime(_refilledAt, now).TotalSeconds;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_burst, _tokens + (elapsed * _perSecond));
            _refilledAt = now;
        }

        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
