using Microsoft.Extensions.Logging;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions;

internal sealed partial class TaskRunner
{
    /// <summary>
    /// How long the transcript may take to read from the live server after a cancellation. Two GETs through the tunnel
    /// take milliseconds on a quiet machine and well under a second at load 8; past this bound the CLI export (a second
    /// opencode, seconds to tens of seconds under load) is the fallback, so this stays a small share of the cancellation
    /// promise.
    /// </summary>
    internal static readonly TimeSpan CancelledLiveExportBound = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long the transcript may take to read from the live server at a normal end (DONE, ERROR, a failure): a hang
    /// bound, past which the CLI export after the stop is the fallback.
    /// </summary>
    internal static readonly TimeSpan LiveExportBound = TimeSpan.FromSeconds(30);

    /// <summary>The tunnelled address of the running server, set once the session is live.</summary>
    private Uri? _upstream;

    /// <summary>
    /// Reads the transcript from the still-running server, before it is stopped: no second opencode is started, which is
    /// what keeps cancellation prompt on a loaded host. After a cancellation the transcript is taken as it stands (the
    /// agent is killed right after, so this is what the database holds too); at any other end only an idle session is
    /// read, since a busy one is still writing its last message and the CLI export after the stop sees it complete.
    /// </summary>
    /// <returns>The export document, or <see langword="null"/> when the CLI export must be used instead.</returns>
    private async Task<byte[]?> ExportFromLiveServerAsync(bool cancelled, CancellationToken cancellationToken)
    {
        if (_upstream is null || _server is null || _sessionId is null || _server.Exited.IsCompleted)
        {
            return null;
        }

        var limit = cancelled ? CancelledLiveExportBound : LiveExportBound;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(limit);
        var client = new OpencodeClient(
            new OpencodeClientOptions { BaseAddress = _upstream, Credentials = _server.Credentials, Directory = Host.WorkDirectory, Timeout = limit, TimeProvider = _config.TimeProvider },
            _loggerFactory.CreateLogger<OpencodeClient>());
        await using (client.ConfigureAwait(false))
        {
            try
            {
                if (!cancelled
                    && (await client.GetSessionStatusAsync(bound.Token).ConfigureAwait(false)).TryGetValue(_sessionId, out var status)
                    && !status.IsIdle)
                {
                    Log.LiveExportSkipped(_logger, _sessionId, status.Type);
                    return null;
                }

                return await client.ExportSessionAsync(_sessionId, bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.LiveExportFailed(_logger, _sessionId, ex);
                return null;
            }
        }
    }
}
