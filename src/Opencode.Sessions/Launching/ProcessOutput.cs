using System.Text.RegularExpressions;

namespace Opencode.Sessions.Launching;

/// <summary>Turns process output into text fit for exception messages.</summary>
internal static partial class ProcessOutput
{
    /// <summary>Removes ANSI escape sequences (opencode colours its error messages).</summary>
    public static string StripAnsi(string text) => AnsiEscape().Replace(text, "");

    /// <summary>Returns the last <paramref name="maxChars"/> characters of trimmed, de-coloured text, marked with … when cut.</summary>
    public static string Tail(string text, int maxChars)
    {
        var clean = StripAnsi(text).Trim();
        return clean.Length <= maxChars ? clean : "…" + clean[^maxChars..];
    }

    /// <summary>Renders output lines for a message: a heading and the lines indented, or a note that there were none.</summary>
    public static string DescribeTail(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return "It printed no output.";
        }

        return $"Its last {lines.Count} output line(s):" + Environment.NewLine +
            string.Join(Environment.NewLine, lines.Select(l => "  | " + StripAnsi(l)));
    }

    [GeneratedRegex(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")]
    private static partial Regex AnsiEscape();
}
