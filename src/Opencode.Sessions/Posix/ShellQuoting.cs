namespace Opencode.Sessions.Posix;

/// <summary>
/// POSIX shell quoting for command lines a host sends to <c>/bin/sh</c>: every value becomes exactly one word, whatever
/// it contains (quotes, <c>$</c>, backticks, newlines, a leading dash is left to the program's <c>--</c>).
/// </summary>
public static class ShellQuoting
{
    /// <summary>Quotes a value with single quotes unless it only holds characters that need no quoting.</summary>
    /// <param name="value">The value.</param>
    /// <returns>One shell word that expands to <paramref name="value"/>.</returns>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value.All(IsSafe))
        {
            return value;
        }

        // Inside single quotes nothing is special except the closing quote itself: end the quoted run, add an
        // escaped quote, and start a new run.
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins a program and its arguments into one shell command line, each quoted with <see cref="Quote"/>.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The command line.</returns>
    public static string Join(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments).Select(Quote));

    private static bool IsSafe(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '_' or '-' or '.' or '/' or ',' or ':' or '=' or '+' or '@' or '%';
}
