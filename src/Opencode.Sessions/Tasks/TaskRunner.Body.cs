using System.Globalization;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Protocol;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions;

internal sealed partial class TaskRunner
{
    /// <summary>
    /// How long pre-creating (or re-attaching) the session may keep retrying transient failures (refused connection,
    /// 5xx, timeout). A hang bound, not a promise: opencode answers its first requests slowly while it initialises the
    /// project, and a loaded host stretches that to seconds; a fixed count of quick retries (4 in 0.9 s before) gave up
    /// on a server that was only busy.
    /// </summary>
    internal static readonly TimeSpan SessionCreateWindow = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The per-request bound of the session calls (create, get, start prompt): a hang bound. 15 s before; a fresh
    /// opencode at load 15 took 19 s to print its URL, and its first answers are as slow.
    /// </summary>
    internal static readonly TimeSpan SessionRequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The longest pause between two session-creation attempts.</summary>
    private static readonly TimeSpan SessionCreateMaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Moves a task directory left by an earlier run (a crash, or a snapshot that failed) aside, never deleting it.</summary>
    private async Task PreserveLeftoverTaskDirectoryAsync(CancellationToken cancellationToken)
    {
        var stamp = _config.TimeProvider.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var result = await Host.RunCommandAsync(
            HostCommand.Shell("""if [ -e "$1" ]; then mv -- "$1" "$1.preserved-$2" && printf '%s' "$1.preserved-$2"; fi""", Host.TaskDirectory, stamp)
                with { WorkingDirectory = "/" },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new HostCommandException($"move the leftover task directory {Host.TaskDirectory} aside", result);
        }

        if (result.StandardOutput.Length > 0)
        {
            _context.ReportProgress(null, $"A task directory from an earlier run was kept at {result.StandardOutput} on {Host.DisplayName}");
        }
    }

    /// <summary>Creates deliverables/, rotates optio.log on resume, truncates it, and starts following it.</summary>
    private async Task PrepareLogChannelAsync(bool resumed, CancellationToken cancellationToken)
    {
        const string Script = """
            set -e
            cd "$1"
            mkdir -p deliverables
            if [ "$2" = resumed ] && [ -s optio.log ]; then cat optio.log >> optio.log.old; fi
            : > optio.log
            """;
        var result = await Host.RunCommandAsync(HostCommand.Shell(Script, Host.WorkDirectory, resumed ? "resumed" : "fresh"), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new HostCommandException("prepare optio.log and deliverables/", result);
        }

        _driver = new ProtocolDriver(Host, _hookContext!, _config.OnDeliverable, _loggerFactory.CreateLogger<ProtocolDriver>());
        _driverTask = _driver.RunAsync(Host.FollowFileAsync(OptioLog, _followCancellation.Token), _followCancellation.Token);
    }

    /// <summary>
    /// The session body: workdir files, resume.log, BeforeExecute, launch, tunnel, session, widget; then waits for
    /// opencode to exit and returns its exit code.
    /// </summary>
    private async Task<int> RunBodyAsync(string? resumedSessionId, CancellationToken cancellationToken)
    {
        // The version probe starts opencode once (about a second locally, seconds over SSH, 14 s at load 15) and only
        // feeds the progress message: it is skipped for the install cache, whose version the installer verified, and
        // otherwise runs while the work directory is prepared instead of delaying the launch.
        var installer = new OpencodeInstaller(Host, _loggerFactory.CreateLogger<OpencodeInstaller>(), _config.TimeProvider);
        var versionProbe = OpencodeInstaller.CachedVersion(_opencodePath!, _config.OpencodeVersion) is { } known
            ? Task.FromResult<string?>(known)
            : installer.ProbeVersionAsync(_opencodePath!, _environment, cancellationToken);
        string? version;
        try
        {
            await PrepareWorkdirFilesAsync(resumedSessionId is not null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Never left running behind a failed step (its own failures are already swallowed and logged).
            version = await versionProbe.ConfigureAwait(false);
        }

        _context.ReportProgress(null, version is null ? "Launching opencode…" : $"Launching opencode {version}…");
        _server = await new OpencodeLauncher(Host, _loggerFactory.CreateLogger<OpencodeLauncher>(), _config.TimeProvider)
            .LaunchAsync(_config.ToLaunchOptions(_opencodePath!, _environment!), cancellationToken).ConfigureAwait(false);
        var endpoint = await Host.OpenTunnelAsync(_server.Port, cancellationToken).ConfigureAwait(false);
        var upstream = new Uri($"http://{endpoint}");
        _upstream = upstream;
        var client = new OpencodeClient(
            new OpencodeClientOptions { BaseAddress = upstream, Credentials = _server.Credentials, Directory = Host.WorkDirectory, Timeout = SessionRequestTimeout, TimeProvider = _config.TimeProvider },
            _loggerFactory.CreateLogger<OpencodeClient>());
        await using (client.ConfigureAwait(false))
        {
            var (sessionId, continued) = await ResolveSessionAsync(client, resumedSessionId, cancellationToken).ConfigureAwait(false);
            _sessionId = sessionId;
            await _context.SetWidgetUpstreamAsync(upstream, _server.Credentials, cancellationToken).ConfigureAwait(false);
            await _context.SetWidgetDataAsync(SessionWidget.CreateData(Host.WorkDirectory, sessionId), cancellationToken).ConfigureAwait(false);
            _context.ReportProgress(null, "opencode is live");
            Log.SessionLive(_logger, _task.ProcessId, sessionId, _server.Port, Host.DisplayName);
            if ((continued ? _config.ResumePrompt : _config.StartPrompt) is { } prompt)
            {
                await client.SendPromptAsync(sessionId, PromptRequest.FromText(prompt), cancellationToken).ConfigureAwait(false);
            }
        }

        return await _server.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>AGENTS.md (fresh runs), opencode.json, resume.log, then BeforeExecute.</summary>
    private async Task PrepareWorkdirFilesAsync(bool resumed, CancellationToken cancellationToken)
    {
        if (!resumed)
        {
            await AgentsMdComposer.WriteAsync(Host, _config.ConsumerInstructions, _config.SupportsResume, _config.WorkdirExclude, cancellationToken).ConfigureAwait(false);
        }

        // Rewritten on resume too: the provider settings (ports, keys) belong to this run, not to the snapshot's.
        await OpencodeConfigFile.WriteAsync(Host, _config.OpencodeConfig, _config.Model, cancellationToken).ConfigureAwait(false);
        if (_config.SupportsResume)
        {
            await AppendResumeLogAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_config.BeforeExecute is { } beforeExecute)
        {
            await beforeExecute(_hookContext!, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AppendResumeLogAsync(CancellationToken cancellationToken)
    {
        var stamp = _config.TimeProvider.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var result = await Host.RunCommandAsync(
            HostCommand.Shell("""printf '%s\n' "$1" >> "$2" """, stamp, HostPath.Combine(Host.WorkDirectory, "resume.log")),
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new HostCommandException("append to resume.log", result);
        }
    }

    /// <summary>Reuses the resumed session when opencode knows it, else pre-creates one (retried on transient failures).</summary>
    /// <returns>The session id, and whether it continues the resumed conversation.</returns>
    private async Task<(string SessionId, bool Continued)> ResolveSessionAsync(OpencodeClient client, string? resumedSessionId, CancellationToken cancellationToken)
    {
        var started = _config.TimeProvider.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (resumedSessionId is not null)
                {
                    try
                    {
                        return ((await client.GetSessionAsync(resumedSessionId, cancellationToken).ConfigureAwait(false)).Id, true);
                    }
                    catch (OpencodeSessionNotFoundException)
                    {
                        _context.ReportProgress(null, $"The resumed session {resumedSessionId} is unknown to opencode; starting a new conversation");
                        resumedSessionId = null;
                    }
                }

                return ((await client.CreateSessionAsync(null, cancellationToken).ConfigureAwait(false)).Id, false);
            }
            catch (Exception ex) when (ex is OpencodeConnectionException or OpencodeServerException or OpencodeTimeoutException
                                       && _config.TimeProvider.GetElapsedTime(started) < SessionCreateWindow)
            {
                Log.SessionCreateRetry(_logger, attempt, ex);
                var backoff = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, attempt - 1), SessionCreateMaxBackoff.TotalMilliseconds));
                await Task.Delay(backoff, _config.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
