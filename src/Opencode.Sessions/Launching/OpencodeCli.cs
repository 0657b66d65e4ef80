using System.Text.RegularExpressions;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Launching;

/// <summary>
/// Wrappers for opencode's <c>export</c> and <c>import</c> commands, run on the host with the same environment as
/// the server (<c>OPENCODE_DB</c>, isolated HOME…), so they see the task's database.
/// </summary>
/// <remarks>
/// Export output is redirected to a file on the host and only moved into place when opencode exited with 0 and
/// wrote something: stdout captured from an interrupted process is never trusted (a cancelled read once saved a
/// truncated 64 KiB transcript as a complete snapshot).
/// </remarks>
internal static partial class OpencodeCli
{
    private const int StderrTailChars = 2000;

    /// <summary>After the prelude: <c>$1</c> = opencode, <c>$2</c> = session id, <c>$3</c> = target file.</summary>
    private const string ExportScript = """
        umask 077
        opencode=$1; id=$2; target=$3; partial="$target.partial"
        mkdir -p "$(dirname "$target")"
        if "$opencode" export "$id" > "$partial"; then :; else code=$?; rm -f "$partial"; exit "$code"; fi
        if [ ! -s "$partial" ]; then rm -f "$partial"; echo "opencode export exited 0 but wrote nothing" >&2; exit 98; fi
        mv -f "$partial" "$target"
        """;

    /// <summary>After the prelude: <c>$1</c> = opencode, <c>$2</c> = the exported session file.</summary>
    private const string ImportScript = """
        umask 077
        exec "$1" import "$2"
        """;

    /// <summary>Exports a session from the task's database into a file on the host (replaced atomically).</summary>
    /// <param name="host">The host.</param>
    /// <param name="opencodePath">The opencode executable on the host.</param>
    /// <param name="sessionId">The session id (<c>ses_…</c>).</param>
    /// <param name="targetFile">Absolute path of the JSON file to write; it appears only when the export succeeded.</param>
    /// <param name="environment">The environment from <see cref="OpencodeEnvironment.Build"/>.</param>
    /// <param name="cancellationToken">A token to cancel the export (no target file is left behind).</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="OpencodeCliException">opencode export failed (unknown session, unreadable database…).</exception>
    public static async Task ExportSessionAsync(
        IHost host, string opencodePath, string sessionId, string targetFile, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(opencodePath);
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(targetFile);
        ArgumentNullException.ThrowIfNull(environment);
        await RunAsync(host, "export", ExportScript, environment, [opencodePath, sessionId, targetFile], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports an exported session into the task's database. It runs in the host's work directory, so opencode
    /// re-binds the session to it (directory, project and path are recomputed; ids are kept).
    /// </summary>
    /// <param name="host">The host.</param>
    /// <param name="opencodePath">The opencode executable on the host.</param>
    /// <param name="sessionFile">Absolute path of the exported session JSON on the host.</param>
    /// <param name="environment">The environment from <see cref="OpencodeEnvironment.Build"/>.</param>
    /// <param name="cancellationToken">A token to cancel the import.</param>
    /// <returns>The imported session id as opencode reported it, or <see langword="null"/> if it printed none.</returns>
    /// <exception cref="OpencodeCliException">opencode import failed (missing or invalid file…).</exception>
    public static async Task<string?> ImportSessionAsync(
        IHost host, string opencodePath, string sessionFile, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentException.ThrowIfNullOrEmpty(opencodePath);
        ArgumentException.ThrowIfNullOrEmpty(sessionFile);
        ArgumentNullException.ThrowIfNull(environment);
        var result = await RunAsync(host, "import", ImportScript, environment, [opencodePath, sessionFile], cancellationToken).ConfigureAwait(false);
        var match = ImportedLine().Match(ProcessOutput.StripAnsi(result.StandardOutput));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static async Task<HostCommandResult> RunAsync(
        IHost host, string operation, string script, IReadOnlyDictionary<string, string?> environment, string[] arguments, CancellationToken cancellationToken)
    {
        var command = HostCommand.Shell(OpencodeEnvironment.ShellPrelude + script, [OpencodeEnvironment.RunDirectory(host.TaskDirectory), .. arguments]) with
        {
            WorkingDirectory = host.WorkDirectory,
            Environment = environment,
        };
        var result = await host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new OpencodeCliException(operation, result.ExitCode, ProcessOutput.Tail(result.StandardError, StderrTailChars));
        }

        return result;
    }

    [GeneratedRegex(@"Imported session:\s*(\S+)")]
    private static partial Regex ImportedLine();
}
