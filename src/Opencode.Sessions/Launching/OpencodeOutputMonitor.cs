using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Launching;

/// <summary>
/// Receives every output line of <c>opencode serve</c> for the life of the process: keeps the last lines, logs each
/// one and detects the readiness line <c>opencode server listening on http://HOST:PORT</c> (on any line, not only
/// the first: without a password opencode prints a warning before it).
/// </summary>
internal sealed class OpencodeOutputMonitor
{
    /// <summary>The text opencode prints before its listening URL.</summary>
    public const string ReadyPrefix = "opencode server listening on ";

    /// <summary>How many lines are kept for diagnostics.</summary>
    public const int Capacity = 200;

    private readonly ILogger _logger;
    private readonly OutputRingBuffer _lines = new(Capacity);
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile int _processId;

    /// <summary>Initializes a new instance.</summary>
    public OpencodeOutputMonitor(ILogger logger) => _logger = logger;

    /// <summary>Gets a task that completes with the listening URL once opencode printed it.</summary>
    public Task<Uri> Ready => _ready.Task;

    /// <summary>Sets the process id shown in log lines (unknown until the launch returns).</summary>
    public int ProcessId
    {
        set => _processId = value;
    }

    /// <summary>Returns up to the last <paramref name="lines"/> output lines, oldest first.</summary>
    public IReadOnlyList<string> Tail(int lines) => _lines.Tail(lines);

    /// <summary>Handles one output line. Never throws (it runs on the host's reader thread).</summary>
    public void OnLine(string line)
    {
        try
        {
            _lines.Add(line);
            Log.OpencodeOutput(_logger, _processId, line);
            if (!_ready.Task.IsCompleted && TryParseReadyLine(line, out var uri))
            {
                _ready.TrySetResult(uri);
            }
        }
#pragma warning disable CA1031 // A reader-thread callback must never throw; a logging failure must not kill the drain.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>Parses <c>… opencode server listening on http://HOST:PORT …</c>.</summary>
    /// <param name="line">An output line.</param>
    /// <param name="uri">The listening URL with a non-zero port.</param>
    /// <returns>Whether the line announced the listening URL.</returns>
    public static bool TryParseReadyLine(string line, out Uri uri)
    {
        uri = null!;
        var at = line.IndexOf(ReadyPrefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var rest = line[(at + ReadyPrefix.Length)..].TrimStart();
        var end = 0;
        while (end < rest.Length && !char.IsWhiteSpace(rest[end]) && rest[end] != '\u001b')
        {
            end++;
        }

        if (Uri.TryCreate(rest[..end], UriKind.Absolute, out var parsed) && parsed.Scheme == Uri.UriSchemeHttp && !parsed.IsDefaultPort && parsed.Port > 0)
        {
            uri = parsed;
            return true;
        }

        return false;
    }
}
