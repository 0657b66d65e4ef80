using System.Globalization;
using System.Text;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Neutralises control characters in text the agent wrote before it reaches progress callbacks, logs or a console.
/// </summary>
/// <remarks>
/// Each C0 control except TAB (so ESC, BEL, CR, LF, NUL…), DEL and each C1 control becomes its visible escape
/// <c>\xHH</c> (ESC → <c>\x1b</c>, CR → <c>\x0d</c>); the Unicode bidirectional embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) and the line and paragraph separators (U+2028, U+2029) become <c>\uHHHH</c>. So an
/// escape sequence (OSC window title, CSI screen clear), a carriage return that overwrites a line or a right-to-left
/// override that reorders it arrives as plain, readable text. Everything else, TAB and backslashes included, is kept.
/// </remarks>
internal static class AgentText
{
    /// <summary>Returns <paramref name="text"/> with every control character replaced by its visible escape.</summary>
    /// <param name="text">The agent's text.</param>
    /// <returns>The same instance when nothing needed escaping.</returns>
    public static string Neutralise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = IndexOfUnsafe(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!IsUnsafe(c))
            {
                builder.Append(c);
            }
            else if (c <= '\u00ff')
            {
                builder.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Whether <paramref name="c"/> is neutralised.</summary>
    public static bool IsUnsafe(char c) =>
        (c < ' ' && c != '\t') || c is >= '\u007f' and <= '\u009f' or >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u2028' or '\u2029';

    private static int IndexOfUnsafe(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
