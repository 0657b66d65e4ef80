namespace Opencode.Sessions.Protocol;

/// <summary>
/// Parses lines of the agent's log channel (<c>optio.log</c>) into <see cref="LogLine"/> values.
/// </summary>
/// <remarks>
/// <para>
/// Trailing whitespace is removed first (leading whitespace is kept), then the line is matched, case-sensitively and in
/// this order, against the grammar below (<c>\s</c> and <c>\d</c> have their .NET regular-expression meaning):
/// </para>
/// <list type="bullet">
/// <item><description><c>^STATUS:\s*(?:(\d{1,3})%\s+)?(.*)$</c> → <see cref="StatusLine"/>, percentage clamped to 100.</description></item>
/// <item><description><c>^DELIVERABLE:\s*(.+?)\s*$</c> → <see cref="DeliverableLine"/>.</description></item>
/// <item><description><c>^DONE(?::\s*(.*))?\s*$</c> → <see cref="DoneLine"/>, an empty summary becomes <see langword="null"/>.</description></item>
/// <item><description><c>^ERROR(?::\s*(.*))?\s*$</c> → <see cref="ErrorLine"/>, an empty message becomes <see langword="null"/>.</description></item>
/// <item><description>anything else → <see cref="UnknownLine"/>.</description></item>
/// </list>
/// <para>
/// So <c>STATUS: 150% x</c> is 100 / <c>x</c>; <c>STATUS: 50%</c> has no percentage and the message <c>50%</c> (whitespace
/// after <c>%</c> is required); <c>DONE now</c>, <c>DONEX</c>, <c>done</c> and <c> DONE</c> are unknown, as is a
/// <c>DELIVERABLE:</c> without a path. The parser is a linear scanner equivalent to these expressions, so a
/// pathological line (megabytes of spaces) costs time proportional to its length.
/// </para>
/// <para>
/// The agent's text is hostile: in every parsed part, control characters (C0 except TAB, DEL, C1 — so ESC, BEL and
/// CR — and the Unicode bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069, and U+2028/U+2029) are
/// replaced by visible escapes (<c>\x1b</c>, <c>\x07</c>, <c>\x0d</c>, <c>\u202e</c>), so no terminal escape sequence,
/// carriage return or reordering reaches progress, logs or a console.
/// </para>
/// </remarks>
public static class LogLineParser
{
    private const string StatusKeyword = "STATUS:";
    private const string DeliverableKeyword = "DELIVERABLE:";
    private const string DoneKeyword = "DONE";
    private const string ErrorKeyword = "ERROR";

    /// <summary>Parses one line (without its line terminator).</summary>
    /// <param name="line">The line as read from the log.</param>
    /// <returns>The parsed line; never <see langword="null"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="line"/> is <see langword="null"/>.</exception>
    public static LogLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Neutralised(ParseRaw(line.TrimEnd()));
    }

    // Control characters are escaped in the parsed parts only, so the grammar above is matched exactly as documented.
    private static LogLine Neutralised(LogLine parsed) => parsed switch
    {
        StatusLine s when AgentText.Neutralise(s.Message) is var m && !ReferenceEquals(m, s.Message) => s with { Message = m },
        DeliverableLine d when AgentText.Neutralise(d.Path) is var p && !ReferenceEquals(p, d.Path) => d with { Path = p },
        DoneLine { Summary: { } summary } d when AgentText.Neutralise(summary) is var m && !ReferenceEquals(m, summary) => d with { Summary = m },
        ErrorLine { Message: { } message } e when AgentText.Neutralise(message) is var m && !ReferenceEquals(m, message) => e with { Message = m },
        UnknownLine u when AgentText.Neutralise(u.Text) is var t && !ReferenceEquals(t, u.Text) => u with { Text = t },
        _ => parsed,
    };

    private static LogLine ParseRaw(string text)
    {
        if (text.StartsWith(StatusKeyword, StringComparison.Ordinal))
        {
            var status = ParseStatus(text, SkipWhiteSpace(text, StatusKeyword.Length));
            return HasLineBreak(status.Message) ? new UnknownLine(text) : status;
        }

        if (text.StartsWith(DeliverableKeyword, StringComparison.Ordinal))
        {
            // Trailing whitespace is gone, so "\s*(.+?)\s*$" is: skip leading whitespace, the rest must be non-empty.
            var path = text[SkipWhiteSpace(text, DeliverableKeyword.Length)..];
            return path.Length > 0 && !HasLineBreak(path) ? new DeliverableLine(path) : new UnknownLine(text);
        }

        if (TryParseTerminal(text, DoneKeyword, out var summary))
        {
            return new DoneLine(summary);
        }

        if (TryParseTerminal(text, ErrorKeyword, out var message))
        {
            return new ErrorLine(message);
        }

        return new UnknownLine(text);
    }

    private static StatusLine ParseStatus(string text, int start)
    {
        // "(?:(\d{1,3})%\s+)?": one to three digits, a percent sign and at least one whitespace character. \d can never
        // match whitespace, so backtracking the leading \s* cannot make this optional group match where it did not.
        var digits = 0;
        while (digits < 4 && start + digits < text.Length && char.IsDigit(text[start + digits]))
        {
            digits++;
        }

        var percentSign = start + digits;
        if (digits is >= 1 and <= 3
            && percentSign + 1 < text.Length
            && text[percentSign] == '%'
            && char.IsWhiteSpace(text[percentSign + 1]))
        {
            var value = 0;
            for (var i = start; i < percentSign; i++)
            {
                // char.IsDigit accepts every Unicode decimal digit (as \d does); GetNumericValue gives its value.
                value = (value * 10) + (int)char.GetNumericValue(text[i]);
            }

            return new StatusLine(Math.Min(value, 100), text[SkipWhiteSpace(text, percentSign + 1)..]);
        }

        return new StatusLine(null, text[start..]);
    }

    private static bool TryParseTerminal(string text, string keyword, out string? payload)
    {
        payload = null;
        if (!text.StartsWith(keyword, StringComparison.Ordinal))
        {
            return false;
        }

        // Trailing whitespace is gone, so "KEYWORD\s*$" is exactly the keyword, and "KEYWORD:\s*(.*)" takes the rest.
        if (text.Length == keyword.Length)
        {
            return true;
        }

        if (text[keyword.Length] != ':')
        {
            return false;
        }

        var rest = text[SkipWhiteSpace(text, keyword.Length + 1)..];
        payload = rest.Length == 0 ? null : rest;
        return !HasLineBreak(rest);
    }

    // "." never matches '\n' (while "\s" does): a captured part holding one makes the whole pattern fail. Lines read
    // from a log never contain '\n'; this only keeps Parse exact for callers who pass arbitrary strings.
    private static bool HasLineBreak(string text) => text.Contains('\n', StringComparison.Ordinal);

    private static int SkipWhiteSpace(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index]))
        {
            index++;
        }

        return index;
    }
}
