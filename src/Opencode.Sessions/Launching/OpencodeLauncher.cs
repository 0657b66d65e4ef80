using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Launching;

/// <summary>
/// Starts <c>opencode serve</c> on a host and waits until it prints its listening URL.
/// </summary>
/// <remarks>
/// A fresh password is generated per launch, written to <c>&lt;taskdir&gt;/run/.opencode-password</c> (0600) and
/// read by the launch script into <c>OPENCODE_SERVER_PASSWORD</c>, so it never appears in any argv. opencode's
/// <c>--port 0</c> tries 4096 first and falls back to a random port, so the port is always parsed from its output.
/// </remarks>
internal sealed class OpencodeLauncher
{
    /// <summary>How many output lines a launch error shows.</summary>
    public const int ErrorTailLines = 40;

    /// <summary>
    /// The launch script after <see cref="OpencodeEnvironment.ShellPrelude"/>: <c>$1</c> = the opencode executable.
    /// The password is read with the <c>read</c> builtin (no child process, no argv).
    /// </summary>
    private const string LaunchScript = """
        opencode=$1
        OPENCODE_SERVER_PASSWORD=
        IFS= read -r OPENCODE_SERVER_PASSWORD < "$run/.opencode-password" || true
        if [ -z "$OPENCODE_SERVER_PASSWORD" ]; then
          echo "opencode-sessions: the password file $run/.opencode-password is missing or empty" >&2
          exit 97
        fi
        OPENCODE_SERVER_USERNAME=opencode
        export OPENCODE_SERVER_PASSWORD OPENCODE_SERVER_USERNAME
        exec "$opencode" serve --port 0 --hostname 127.0.0.1
        """;

    private readonly IHost _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="host">The host to launch on.</param>
    /// <param name="logger">The logger (opencode's output goes to it at Debug level); <see langword="null"/> = none.</param>
    /// <param name="timeProvider">The clock for the ready timeout; <see langword="null"/> = the system clock.</param>
    public OpencodeLauncher(IHost host, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Starts opencode and waits until it is listening.</summary>
    /// <param name="options">What to start and how long to wait.</param>
    /// <param name="cancellationToken">A token to cancel the launch; the process is killed.</param>
    /// <returns>The running server; the caller disposes it.</returns>
    /// <exception cref="OpencodeLaunchException">opencode exited before it was ready.</exception>
    /// <exception cref="TimeoutException">opencode printed no listening URL within <see cref="OpencodeLaunchOptions.ReadyTimeout"/> (it was killed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the process was killed).</exception>
    public async Task<OpencodeServerProcess> LaunchAsync(OpencodeLaunchOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ExecutablePath);
        ArgumentNullException.ThrowIfNull(options.Environment);

        var runDirectory = OpencodeEnvironment.RunDirectory(_host.TaskDirectory);
        var passwordFile = OpencodeEnvironment.PasswordFile(_host.TaskDirectory);
        var credentials = new BasicAuth(OpencodeEnvironment.ServerUsername, GeneratePassword());
        using (var content = new MemoryStream(Encoding.UTF8.GetBytes(credentials.Password), writable: false))
        {
            await _host.WriteFileAsync(passwordFile, content, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken).ConfigureAwait(false);
        }

        var workDirectory = options.WorkingDirectory ?? _host.WorkDirectory;
        var monitor = new OpencodeOutputMonitor(_logger);
        var startInfo = new HostProcessStartInfo("/bin/sh", ["-c", OpencodeEnvironment.ShellPrelude + LaunchScript, "sh", runDirectory, options.ExecutablePath])
        {
            WorkingDirectory = workDirectory,
            Environment = options.Environment,
            OutputLine = monitor.OnLine,
            GracePeriod = options.GracePeriod,
        };

        Log.OpencodeLaunching(_logger, _host.DisplayName, workDirectory);
        var started = _timeProvider.GetTimestamp();
        IHostProcess process;
        try
        {
            process = await _host.LaunchAsync(startInfo, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await RemovePasswordFileAsync(passwordFile).ConfigureAwait(false);
            throw;
        }

        monitor.ProcessId = process.ProcessId;
        try
        {
            var listening = await WaitUntilReadyAsync(process, monitor, options.ReadyTimeout, options.ReadyTimeoutSetting, cancellationToken).ConfigureAwait(false);
            Log.OpencodeReady(_logger, process.ProcessId, listening.Port, _timeProvider.GetElapsedTime(started).TotalSeconds);
            return new OpencodeServerProcess(_host, process, listening, credentials, monitor, passwordFile, _logger);
        }
        catch
        {
            await KillAsync(process).ConfigureAwait(false);
            await RemovePasswordFileAsync(passwordFile).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Generates a server password: 32 random bytes, URL-safe base64 without padding (43 characters).</summary>
    /// <returns>The password.</returns>
    internal static string GeneratePassword() =>
        Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private async Task<Uri> WaitUntilReadyAsync(IHostProcess process, OpencodeOutputMonitor monitor, TimeSpan timeout, string setting, CancellationToken cancellationToken)
    {
        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, _timeProvider, delayCancellation.Token);
        await Task.WhenAny(monitor.Ready, process.Exited, delay).ConfigureAwait(false);
        await delayCancellation.CancelAsync().ConfigureAwait(false);

        if (monitor.Ready.IsCompleted)
        {
            return await monitor.Ready.ConfigureAwait(false);
        }

        if (process.Exited.IsCompleted)
        {
            // Exited completes only after the output was drained, so a ready line would have been seen by now.
            var exitCode = await process.Exited.ConfigureAwait(false);
            Log.OpencodeExitedBeforeReady(_logger, process.ProcessId, exitCode);
            throw new OpencodeLaunchException(exitCode, monitor.Tail(ErrorTailLines));
        }

        cancellationToken.ThrowIfCancellationRequested();
        Log.OpencodeReadyTimeout(_logger, process.ProcessId, timeout.TotalSeconds);
        throw new TimeoutException(
            $"opencode did not print its listening URL within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s " +
            $"({setting}) on {_host.DisplayName}; it was killed." + Environment.NewLine +
            ProcessOutput.DescribeTail(monitor.Tail(ErrorTailLines)));
    }

    private async Task KillAsync(IHostProcess process)
    {
        try
        {
            await process.TerminateAsync(TerminationMode.Aggressive, CancellationToken.None).ConfigureAwait(false);
            await process.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The launch error is what the caller needs; a kill failure is only logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OpencodeCleanupFailed(_logger, process.ProcessId, ex);
        }
    }

    private async Task RemovePasswordFileAsync(string passwordFile)
    {
        try
        {
            await _host.RemoveFileAsync(passwordFile, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort: the whole task directory is removed at cleanup anyway.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.OpencodeCleanupFailed(_logger, 0, ex);
        }
    }
}
