using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>Settings of a <see cref="Turn"/>. Every callback is isolated: its exception is logged and reported, never fatal.</summary>
public sealed record TurnOptions
{
    /// <summary>The default text of a failed or erroneous turn.</summary>
    public const string DefaultFallbackText = "Sorry, an error occurred while generating this response.";

    /// <summary>Gets the agent, or null for the session's.</summary>
    public string? Agent { get; init; }

    /// <summary>Gets the model, or null for the session's.</summary>
    public OpencodeModel? Model { get; init; }

    /// <summary>Gets extra system instructions for this turn, or null.</summary>
    public string? System { get; init; }

    /// <summary>Gets extra prompt parts sent after the text (for example files), or null.</summary>
    public IReadOnlyList<PromptPart>? ExtraParts { get; init; }

    /// <summary>Gets observers of the live reply.</summary>
    public IReadOnlyList<ReplyObserver> Observers { get; init; } = [];

    /// <summary>Gets the overall stream time limit (suspended while a question or permission is pending).</summary>
    /// <value>Default 600 seconds.</value>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Gets the first-event time limit after the prompt; exceeding it recreates the session once.</summary>
    /// <value>Default 120 seconds.</value>
    public TimeSpan FirstEventTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the idle-stream time limit, or null for none.</summary>
    public TimeSpan? IdleStreamTimeout { get; init; }

    /// <summary>Gets how long to keep polling for the final text while tool calls are still finishing.</summary>
    /// <value>Default 120 seconds.</value>
    public TimeSpan FinalExchangeTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the pause between those polls.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan FinalExchangePollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets the pause before the one retry of an empty-stream recovery.</summary>
    /// <value>Default 2 seconds.</value>
    public TimeSpan EmptyStreamRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets how long to wait for the upstream abort when the turn is cancelled.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan AbortTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the text of an errored or failed turn.</summary>
    public string FallbackText { get; init; } = DefaultFallbackText;

    /// <summary>Gets the text of a cancelled turn that produced no text.</summary>
    public string StoppedText { get; init; } = "Response was stopped.";

    /// <summary>Gets a callback run once a completed result is final (persist it here).</summary>
    public Func<TurnResult, CancellationToken, Task>? OnFinalized { get; init; }

    /// <summary>Gets a callback run at the very end of every turn, whatever its status.</summary>
    public Func<TurnResult, CancellationToken, Task>? OnTurnFinished { get; init; }

    /// <summary>Gets a heartbeat callback for the host job (for example to extend a lease), at most once per <see cref="ActivityInterval"/>.</summary>
    public Func<CancellationToken, Task>? OnActivity { get; init; }

    /// <summary>Gets the minimum interval between <see cref="OnActivity"/> calls.</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan ActivityInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the clock for durations and pauses (replace it in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
