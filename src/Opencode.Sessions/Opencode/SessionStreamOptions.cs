namespace Opencode.Sessions.Opencode;

/// <summary>Settings of <see cref="OpencodeClient.StreamSessionEventsAsync"/>.</summary>
public sealed record SessionStreamOptions
{
    /// <summary>
    /// Gets a callback run once, when the first connection delivered <c>server.connected</c>: post the prompt here
    /// (subscribe-before-prompt, so no event of the turn can be missed). It runs at most once per stream, across
    /// reconnects; if it throws, the exception surfaces as is and the stream is not reopened (a time-out of the
    /// prompt POST is ambiguous, and re-posting could start a second, billed turn). When it returns, the deadlines
    /// restart. With a callback, events before each connection's <c>server.connected</c> are skipped.
    /// </summary>
    public Func<CancellationToken, Task>? OnSubscribed { get; init; }

    /// <summary>
    /// Gets the overall time limit (<see cref="OpencodeTimeoutException"/>). While <see cref="IsWaitingForReply"/>
    /// returns true, every received chunk pushes the limit to now + timeout (a human may take long to answer), but a
    /// dead connection still times out.
    /// </summary>
    /// <value>Default 600 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// Gets how long to wait for the session's first event (<see cref="OpencodeStaleSessionException"/>); never suspended.
    /// </summary>
    /// <value>Default 120 seconds.</value>
    public TimeSpan FirstEventTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Gets how long the session may stay silent after its first event while heartbeats continue
    /// (<see cref="OpencodeIdleStreamException"/>), or null for no limit.
    /// </summary>
    /// <value>Default null.</value>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Gets a function telling whether a question or permission is pending (suspends <see cref="Timeout"/>).</summary>
    public Func<bool>? IsWaitingForReply { get; init; }

    /// <summary>Gets the pause before reopening a broken stream (capped by the time left).</summary>
    /// <value>Default 100 milliseconds.</value>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    internal void Validate()
    {
        foreach (var (value, name) in new[] { (Timeout, nameof(Timeout)), (FirstEventTimeout, nameof(FirstEventTimeout)), (IdleTimeout ?? TimeSpan.MaxValue, nameof(IdleTimeout)) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
            }
        }

        if (ReconnectDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReconnectDelay), ReconnectDelay, "ReconnectDelay cannot be negative.");
        }
    }
}
