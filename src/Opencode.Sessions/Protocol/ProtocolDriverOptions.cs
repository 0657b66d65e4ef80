using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Protocol;

/// <summary>Limits of the <see cref="ProtocolDriver"/>.</summary>
internal sealed record ProtocolDriverOptions
{
    /// <summary>Gets the default options.</summary>
    public static ProtocolDriverOptions Default { get; } = new();

    /// <summary>Gets how many validated deliverables may wait to be fetched before reading the log blocks (default 64).</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Gets the largest deliverable, in bytes, that is fetched and passed to the callback (default 32 MiB).</summary>
    public long MaxDeliverableBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>Gets the line limit the line source applies, quoted in the message about a cut line (default 1 MiB).</summary>
    public int MaxLineBytes { get; init; } = LineAssembler.DefaultMaxLineBytes;

    /// <summary>Gets the clock the progress coalescing uses (default the system clock).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets how many STATUS and unrecognised lines are reported in a burst before coalescing starts (default 32).</summary>
    public int ProgressBurst { get; init; } = 32;

    /// <summary>Gets how many STATUS and unrecognised lines per second are reported once the burst is spent (default 10).</summary>
    public double ProgressPerSecond { get; init; } = 10;

    /// <summary>Gets how often a "skipped N lines" summary and the latest coalesced STATUS are reported during a flood (default 10 s).</summary>
    public TimeSpan CoalescedSummaryInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets how many characters of an over-long line are quoted in progress messages (default 200).</summary>
    public int PreviewChars { get; init; } = 200;
}
