namespace Opencode.Sessions.Protocol;

/// <summary>
/// One parsed line of the agent's log channel (<c>optio.log</c>). The family is closed: a line is a
/// <see cref="StatusLine"/>, a <see cref="DeliverableLine"/>, a <see cref="DoneLine"/>, an <see cref="ErrorLine"/> or an
/// <see cref="UnknownLine"/>. Produce values with <see cref="LogLineParser.Parse"/>.
/// </summary>
public abstract record LogLine
{
    private protected LogLine()
    {
    }
}

/// <summary>A <c>STATUS: [NN% ]message</c> line: progress the agent reports.</summary>
/// <param name="Percent">0–100 (values above 100 are clamped), or <see langword="null"/> when the line had no percentage.</param>
/// <param name="Message">The message after the keyword and the optional percentage; may be empty.</param>
public sealed record StatusLine(int? Percent, string Message) : LogLine;

/// <summary>A <c>DELIVERABLE: path</c> line: the agent announces a finished file.</summary>
/// <param name="Path">The path as written by the agent (never empty; surrounding whitespace removed).</param>
public sealed record DeliverableLine(string Path) : LogLine;

/// <summary>A <c>DONE</c> or <c>DONE: summary</c> line: the agent finished its task.</summary>
/// <param name="Summary">The summary, or <see langword="null"/> when none (or an empty one) was given.</param>
public sealed record DoneLine(string? Summary) : LogLine;

/// <summary>An <c>ERROR</c> or <c>ERROR: message</c> line: the agent cannot continue.</summary>
/// <param name="Message">The message, or <see langword="null"/> when none (or an empty one) was given.</param>
public sealed record ErrorLine(string? Message) : LogLine;

/// <summary>Any other line (free text, or a keyword line that does not follow the grammar).</summary>
/// <param name="Text">The line with its trailing whitespace removed (leading whitespace is kept); may be empty.</param>
public sealed record UnknownLine(string Text) : LogLine;
