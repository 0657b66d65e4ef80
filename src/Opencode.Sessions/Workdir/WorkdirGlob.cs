using System.Text;
using System.Text.RegularExpressions;

namespace Opencode.Sessions.Workdir;

/// <summary>
/// The workdir exclude rules: shell globs (<c>*</c>, <c>?</c>, <c>[…]</c>, case-sensitive, <c>*</c> also matches
/// <c>/</c> as in <c>fnmatch</c>), matched against the whole relative path or any single segment of it.
/// </summary>
internal sealed class WorkdirGlob
{
    private readonly Regex[] _patterns;
    private readonly HashSet<string> _alwaysExcluded;

    public WorkdirGlob(IReadOnlyList<string> patterns, IReadOnlyList<string> alwaysExcluded)
    {
        _patterns = patterns.Select(p => new Regex(Translate(p), RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.NonBacktracking)).ToArray();
        _alwaysExcluded = new HashSet<string>(alwaysExcluded, StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether the entry at <paramref name="relativePath"/> (POSIX, no leading <c>./</c>) is left out. Callers walk the
    /// tree top-down and do not descend into excluded directories, so only the last segment needs checking here.
    /// </summary>
    public bool IsExcluded(string relativePath)
    {
        if (_alwaysExcluded.Contains(relativePath))
        {
            return true;
        }

        var slash = relativePath.LastIndexOf('/');
        var name = slash < 0 ? relativePath : relativePath[(slash + 1)..];
        foreach (var pattern in _patterns)
        {
            if (pattern.IsMatch(relativePath) || (slash >= 0 && pattern.IsMatch(name)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Translates a shell glob to an anchored regular expression (the rules of Python's <c>fnmatch.translate</c>).</summary>
    internal static string Translate(string glob)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    i = AppendClass(glob, i, sb);
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        return sb.Append('$').ToString();
    }

    // Appends a bracket expression starting at glob[start] == '[' and returns the index of its closing ']';
    // an unterminated '[' is a literal.
    private static int AppendClass(string glob, int start, StringBuilder sb)
    {
        var j = start + 1;
        if (j < glob.Length && (glob[j] == '!' || glob[j] == '^'))
        {
            j++;
        }

        if (j < glob.Length && glob[j] == ']')
        {
            j++;
        }

        while (j < glob.Length && glob[j] != ']')
        {
            j++;
        }

        if (j >= glob.Length)
        {
            sb.Append(@"\[");
            return start;
        }

        var body = glob[(start + 1)..j];
        sb.Append('[');
        if (body.Length > 0 && (body[0] == '!' || body[0] == '^'))
        {
            sb.Append('^');
            body = body[1..];
        }

        foreach (var ch in body)
        {
            // Inside a class only '\', '^', '[' and ']' are special to .NET; '-' keeps its range meaning.
            sb.Append(ch is '\\' or '^' or '[' or ']' ? "\\" + ch : ch.ToString());
        }

        sb.Append(']');
        return j;
    }
}
