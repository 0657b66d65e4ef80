using Opencode.Sessions.Internal;

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

    /// <summary>Gets how many characters of an over-long line are quoted in progress messages (default 200).</summary>
    public int PreviewChars { get; init; } = 200;
}
