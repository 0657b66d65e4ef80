using System.Diagnostics;
using System.Globalization;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.ExtensionTests.Hosts;

/// <summary>A process group leader started by <see cref="ShellHost"/>; termination signals the whole group with kill(1).</summary>
internal sealed class ShellHostProcess : IHostProcess
{
    private readonly Process _process;
    private readonly HostProcessStartInfo _startInfo;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _processId;
    private int _disposed;

    private ShellHostProcess(Process process, HostProcessStartInfo startInfo)
    {
        _process = process;
        _startInfo = startInfo;
    }

    public int ProcessId => _processId;

    public Task<int> Exited => _exited.Task;

    public static ShellHostProcess Start(ProcessStartInfo info, HostProcessStartInfo startInfo)
    {
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var launched = new ShellHostProcess(process, startInfo);
        process.OutputDataReceived += (_, e) => launched.Deliver(e.Data);
        process.ErrorDataReceived += (_, e) => launched.Deliver(e.Data);
        process.Exited += (_, _) => launched._exited.TrySetResult(process.ExitCode);
        process.Start();
        launched._processId = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return launched;
    }

    public async Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken)
    {
        if (mode == TerminationMode.Graceful && !Exited.IsCompleted)
        {
            await SignalGroupAsync("TERM").ConfigureAwait(false);
            try
            {
                await Exited.WaitAsync(_startInfo.GracePeriod, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It did not stop in time: SIGKILL below.
            }
        }

        // Whatever the leader did, no member of its group may outlive it.
        await SignalGroupAsync("KILL").ConfigureAwait(false);
        await Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await TerminateAsync(TerminationMode.Aggressive, CancellationToken.None).ConfigureAwait(false);
        _process.Dispose();
    }

    private async Task SignalGroupAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, "--", "-" + ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        await kill.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Deliver(string? line)
    {
        if (line is not null)
        {
            _startInfo.OutputLine?.Invoke(line);
        }
    }
}
