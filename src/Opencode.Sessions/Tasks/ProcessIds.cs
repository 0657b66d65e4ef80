using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Opencode.Sessions;

/// <summary>
/// The rules for a process id, the key of a task, its task directory, its lock and its snapshots. Hosts and snapshot
/// stores written outside this library validate ids with <see cref="Validate"/> so every implementation accepts the
/// same ids and refuses the same ones.
/// </summary>
/// <remarks>
/// A valid process id is safe as one file-system path segment, a shell word, a SQL value and a log field:
/// 1–<see cref="MaxLength"/> characters from <c>[A-Za-z0-9._-]</c>, and neither <c>.</c> nor <c>..</c>.
/// </remarks>
public static partial class ProcessIds
{
    /// <summary>The longest process id accepted, in characters.</summary>
    public const int MaxLength = 200;

    /// <summary>Returns whether <paramref name="processId"/> is a valid process id.</summary>
    /// <param name="processId">The id to check; <see langword="null"/> is not valid.</param>
    /// <returns><see langword="true"/> when the id follows the rules in the type's remarks.</returns>
    public static bool IsValid(string? processId) =>
        processId is { Length: > 0 and <= MaxLength } && processId is not ("." or "..") && SafeSegment().IsMatch(processId);

    /// <summary>Throws unless <paramref name="processId"/> is a valid process id.</summary>
    /// <param name="processId">The id to check.</param>
    /// <param name="paramName">The name of the caller's parameter (filled in by the compiler).</param>
    /// <exception cref="ArgumentNullException"><paramref name="processId"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="processId"/> breaks the rules; the message says which ones apply.</exception>
    public static void Validate(string processId, [CallerArgumentExpression(nameof(processId))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(processId, paramName);
        if (!IsValid(processId))
        {
            throw new ArgumentException(
                $"Process id '{processId}' is unsafe as a file-system path segment: use 1–{MaxLength} characters from [A-Za-z0-9._-], and not '.' or '..'.",
                paramName);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex SafeSegment();
}
