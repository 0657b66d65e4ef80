using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing;

/// <summary>
/// A process "launched" on a <see cref="FakeHost"/>. Nothing runs: the test decides what it prints
/// (<see cref="WriteOutput"/>) and when it exits (<see cref="Exit"/>), and inspects how it was terminated.
/// </summary>
/// <remarks>
/// Termination follows the real signals: <see cref="TerminationMode.Aggressive"/> (SIGKILL) always ends it with exit
/// code 137; <see cref="TerminationMode.Graceful"/> (SIGTERM) ends it with 143, unless <see cref="IgnoresGracefulTermination"/>
/// is set, in which case it is killed with 137 after <see cref="HostProcessStartInfo.GracePeriod"/> (or exits earlier
/// if the test calls <see cref="Exit"/>).
/// </remarks>
public sealed class FakeHostProcess : IHostProcess
{
    /// <summary>The exit code after SIGTERM (128 + 15).</summary>
    public const int SigtermExitCode = 143;

    /// <summary>The exit code after SIGKILL (128 + 9).</summary>
    public const int SigkillExitCode = 137;

    private readonly FakeHost _host;
    private readonly object _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<TerminationMode> _terminations = [];
    private readonly List<string> _output = [];
    private bool _disposed;

    internal FakeHostProcess(FakeHost host, int processId, HostProcessStartInfo startInfo)
    {
        _host = host;
        ProcessId = processId;
        StartInfo = startInfo;
    }

    /// <inheritdoc/>
    public int ProcessId { get; }

    /// <summary>Gets what the process was launched with (program, arguments, environment, output callback).</summary>
    public HostProcessStartInfo StartInfo { get; }

    /// <inheritdoc/>
    public Task<int> Exited => _exited.Task;

    /// <summary>Gets a value indicating whether the process has exited.</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Gets or sets a value indicating whether SIGTERM is ignored (the process is then killed after the grace period).</summary>
    public bool IgnoresGracefulTermination { get; set; }

    /// <summary>Gets every <see cref="TerminateAsync"/> request, in order.</summary>
    public IReadOnlyList<TerminationMode> TerminationRequests
    {
        get
        {
            lock (_gate)
            {
                return _terminations.ToArray();
            }
        }
    }

    /// <summary>Gets every line written with <see cref="WriteOutput"/>, in order.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToArray();
            }
        }
    }

    /// <summary>Gets a value indicating whether <see cref="DisposeAsync"/> was called.</summary>
    public bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>
    /// "Prints" a line: it is passed to <see cref="HostProcessStartInfo.OutputLine"/> on the calling thread, as the real
    /// output reader would (for example <c>opencode server listening on http://127.0.0.1:4096</c>).
    /// </summary>
    /// <param name="line">The line, without a terminator.</param>
    /// <exception cref="InvalidOperationException">The process has exited.</exception>
    public void WriteOutput(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_gate)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"Fake process {ProcessId} has exited; it cannot write output.");
            }

            _output.Add(line);
        }

        StartInfo.OutputLine?.Invoke(line);
    }

    /// <summary>Makes the process exit with <paramref name="exitCode"/> (ignored if it already exited).</summary>
    /// <param name="exitCode">The exit code.</param>
    /// <returns><see langword="true"/> if this call ended the process.</returns>
    public bool Exit(int exitCode) => _exited.TrySetResult(exitCode);

    /// <inheritdoc/>
    /// <remarks>Recorded on the process and, as <c>TerminateAsync(mode)</c>, in the host's <see cref="FakeHost.Calls"/>.</remarks>
    public async Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _terminations.Add(mode);
        }

        await _host.EnterAsync(nameof(TerminateAsync), mode.ToString(), cancellationToken).ConfigureAwait(false);
        if (HasExited)
        {
            return;
        }

        if (mode == TerminationMode.Aggressive)
        {
            Exit(SigkillExitCode);
            return;
        }

        if (!IgnoresGracefulTermination)
        {
            Exit(SigtermExitCode);
            return;
        }

        try
        {
            await _exited.Task.WaitAsync(StartInfo.GracePeriod, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            // The grace period is over (or the caller stopped waiting): SIGKILL is sent either way.
            Exit(SigkillExitCode);
        }
    }

    /// <summary>Kills the process (exit code 137) if it is still running. Idempotent.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        Exit(SigkillExitCode);
        return ValueTask.CompletedTask;
    }
}
