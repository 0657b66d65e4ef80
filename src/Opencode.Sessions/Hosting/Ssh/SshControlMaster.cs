using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// The one real SSH connection: a foreground <c>ssh -M -N</c> process owned by pid, with its control socket in a
/// private (0700) directory. Every other ssh invocation is a session or a control request multiplexed over it.
/// </summary>
internal sealed class SshControlMaster : IAsyncDisposable
{
    private const int MaxStandardErrorChars = 64 * 1024;
    private static readonly TimeSpan ControlRequestTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _controlDirectory;
    private readonly string _target;
    private readonly StringBuilder _standardError = new();
    private readonly Task _standardErrorPump;
    private int _disposed;

    private SshControlMaster(Process process, string controlDirectory, SshCommandLine commandLine, string executable, string target)
    {
        _process = process;
        ProcessId = process.Id;
        _controlDirectory = controlDirectory;
        CommandLine = commandLine;
        Executable = executable;
        _target = target;
        _standardErrorPump = PumpAsync();
    }

    /// <summary>Gets the argument builder bound to this master's control socket.</summary>
    public SshCommandLine CommandLine { get; }

    /// <summary>Gets the ssh executable.</summary>
    public string Executable { get; }

    /// <summary>Gets the master's pid.</summary>
    public int ProcessId { get; }

    /// <summary>Gets a value indicating whether the master process still runs.</summary>
    public bool IsAlive => _disposed == 0 && !_process.HasExited;

    /// <summary>Gets what the master printed on stderr.</summary>
    public string StandardError
    {
        get
        {
            lock (_standardError)
            {
                return _standardError.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the master and waits until its control socket answers, or fails with a classified
    /// <see cref="SshConnectionException"/> (unreachable, authentication, host key …).
    /// </summary>
    public static async Task<SshControlMaster> StartAsync(SshConfig config, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var directory = CreateControlDirectory();
        var commandLine = new SshCommandLine(config, Path.Combine(directory, "cm"));
        // The master runs under a watchdog wrapper that keeps its pid (exec) and holds its standard input, a pipe only
        // this process writes to: if this process dies, even SIGKILLed, the master is stopped and, with it, every
        // session multiplexed over it. The write end stays open until the master is disposed.
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in ParentWatchdog.ProcessArguments(new[] { config.SshExecutable }.Concat(commandLine.Master())))
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        try
        {
            if (ResolveExecutable(config.SshExecutable) is null)
            {
                throw new Win32Exception(2, "No such file or directory");
            }

            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            TryDeleteDirectory(directory);
            throw new SshConnectionException(SshFailureKind.Other, config.ToString(), $"the ssh client '{config.SshExecutable}' could not be started: {ex.Message}; install openssh-client or set SshConfig.SshExecutable", innerException: ex);
        }

        var master = new SshControlMaster(process, directory, commandLine, config.SshExecutable, config.ToString());
        try
        {
            await master.WaitUntilReadyAsync(timeout, cancellationToken).ConfigureAwait(false);
            return master;
        }
        catch
        {
            await master.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Asks the master whether it is alive and serving (<c>ssh -O check</c>).</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken) =>
        IsAlive && (await RunControlAsync(cancellationToken, "check").ConfigureAwait(false)).ExitCode == 0;

    /// <summary>Runs a control request and returns its exit code and output (stdout + stderr).</summary>
    public async Task<(int ExitCode, string Output)> RunControlAsync(CancellationToken cancellationToken, string operation, params string[] extra)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in CommandLine.Control(operation, extra))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        process.Start();
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ControlRequestTimeout);
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            cancellationToken.ThrowIfCancellationRequested();
            return (-1, "the control request timed out");
        }
    }

    /// <summary>Asks the master to exit, kills it by pid if it does not, and deletes the control directory. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_process.HasExited && File.Exists(CommandLine.ControlPath))
        {
            try
            {
                await RunControlAsync(CancellationToken.None, "exit").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
            {
                // Fall through to the kill.
            }
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            try
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                // Already gone, or unkillable: nothing more to do.
            }
        }

        try
        {
            await _standardErrorPump.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A ProxyCommand child may still hold the master's stderr; it ends with its socket.
        }

        _process.Dispose();
        TryDeleteDirectory(_controlDirectory);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // The master binds its control socket only once authentication succeeded; then confirm with -O check.
            while (true)
            {
                if (_process.HasExited)
                {
                    await _standardErrorPump.ConfigureAwait(false);
                    var output = StandardError;
                    var kind = SshFailureClassifier.Classify(output);
                    throw new SshConnectionException(kind == SshFailureKind.ConnectionLost ? SshFailureKind.Unreachable : kind, _target, $"ssh exited with code {_process.ExitCode} while connecting", output);
                }

                if (File.Exists(CommandLine.ControlPath) && await CheckAsync(deadline.Token).ConfigureAwait(false))
                {
                    return;
                }

                await Task.Delay(25, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshConnectionException(SshFailureKind.Unreachable, _target, $"no connection within {timeout.TotalSeconds:0.#} s", StandardError);
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            var stdout = _process.StandardOutput.ReadToEndAsync();
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                lock (_standardError)
                {
                    if (_standardError.Length < MaxStandardErrorChars)
                    {
                        _standardError.Append(line).Append('\n');
                    }
                }
            }

            await stdout.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us.
        }
    }

    /// <summary>Finds an executable the way <c>execvp</c> does (a name with a slash as is, else along PATH).</summary>
    /// <returns>Its path, or <see langword="null"/> when there is none.</returns>
    private static string? ResolveExecutable(string name)
    {
        static bool IsExecutable(string path) =>
            File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

        if (name.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(name) ? name : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name)).FirstOrDefault(IsExecutable);
    }

    private static string CreateControlDirectory()
    {
        // Unix socket paths are limited to ~107 bytes; fall back to /tmp if TMPDIR is deep.
        var root = Path.GetTempPath();
        if (root.Length > 60)
        {
            root = "/tmp";
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var directory = Path.Combine(root, "ocs-ssh-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)).ToLowerInvariant());
        Directory.CreateDirectory(directory, mode);
        File.SetUnixFileMode(directory, mode);
        return directory;
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty private directory in /tmp is harmless.
        }
    }
}
