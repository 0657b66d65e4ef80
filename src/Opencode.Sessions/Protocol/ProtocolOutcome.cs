namespace Opencode.Sessions.Protocol;

/// <summary>How <see cref="ProtocolDriver.RunAsync"/> stopped reading the log.</summary>
internal abstract record ProtocolOutcome
{
    private ProtocolOutcome()
    {
    }

    /// <summary>The agent wrote <c>DONE</c>: success once the deliverable queue has drained.</summary>
    /// <param name="Summary">The summary after <c>DONE:</c>, or <see langword="null"/>.</param>
    public sealed record Done(string? Summary) : ProtocolOutcome;

    /// <summary>The agent wrote <c>ERROR</c>: the session fails with this message; queued deliverables are dropped.</summary>
    /// <param name="Message">The message after <c>ERROR:</c>, or <see langword="null"/>.</param>
    public sealed record Error(string? Message) : ProtocolOutcome;

    /// <summary>The line source ended (or failed) before <c>DONE</c> or <c>ERROR</c> was seen.</summary>
    /// <param name="SourceError">The exception the line source ended with, or <see langword="null"/> when it simply ended.</param>
    public sealed record EndedWithoutDone(Exception? SourceError) : ProtocolOutcome;
}
