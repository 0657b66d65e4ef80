using System.Diagnostics;
using System.Text;

namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>
/// One ssh client process running one <see cref="SshRemoteScript"/> over the control master. It sends the script,
/// exposes the channel's stdin/stdout as streams, and reads stderr in the background, separating the script's marker
/// lines (pid, exit status) from what the remote program printed.
/// </summary>
internal sealed class SshClientProcess : IAsyncDisposable
{
    private const int MaxStandardErrorChars = 4 * 1024 * 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly Process _process;
    private readonly string _marker;
    private readonly StringBuilder _standardError = new();
    private readonly TaskCompletionSource<int?> _remoteProcessId = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _standardErrorPump;
    private int? _remoteExitCode;
    private bool _noDirectory;
    private int _disposed;

    private SshClientProcess(Process process, string marker)
    {
        _process = process;
        _marker = marker;
        LocalProcessId = process.Id;
        _standardErrorPump = Task.Run(PumpStandardErrorAsync);
    }

    /// <summary>Gets the pid of the local ssh client.</summary>
    public int LocalProcessId { get; }

    /// <summary>Gets the channel's standard input (after the script). Dispose or <see cref="CloseInput"/> to send EOF.</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>Gets the channel's standard output.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>Gets a task completing with the remote process id a guarded script reported, or <see langword="null"/> if none came.</summary>
    public Task<int?> RemoteProcessId => _remoteProcessId.Task;

    /// <summary>Gets a value indicating whether the local ssh client has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts ssh with <paramref name="arguments"/> and sends <paramref name="script"/> as the first stdin bytes.</summary>
    public static async Task<SshClientProcess> StartAsync(string executable, Func<string, IReadOnlyList<string>> arguments, string script, string marker, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(script);
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments(SshRemoteScript.Bootstrap(bytes.Length)))
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.Start();
        var client = new SshClientProcess(process, marker);
        try
        {
            await client.Input.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await client.Input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // ssh already exited (no master, refused session): WaitForExitAsync reports why.
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return client;
    }

    /// <summary>Sends end-of-file on the channel's standard input.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The channel is already gone.
        }
    }

    /// <summary>Kills the local ssh client (the remote dead-man switch then ends what it started).</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Waits for the client to exit and its stderr to be read.</summary>
    public async Task<SshClientExit> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _standardErrorPump.WaitAsync(cancellationToken).ConfigureAwait(false);
        string standardError;
        lock (_standardError)
        {
            standardError = _standardError.ToString();
        }

        return new SshClientExit(_process.ExitCode, _remoteExitCode, standardError, _noDirectory);
    }

    /// <summary>Kills the client if it still runs and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CloseInput();
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            await _standardErrorPump.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A client that ignores SIGKILL cannot be helped; do not hang disposal.
        }

        _remoteProcessId.TrySetResult(null);
        _process.Dispose();
    }

    private async Task PumpStandardErrorAsync()
    {
        var stream = _process.StandardError.BaseStream;
        var pending = new MemoryStream();
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                var data = buffer.AsSpan(0, read);
                int newline;
                while ((newline = data.IndexOf((byte)'\n')) >= 0)
                {
                    pending.Write(data[..(newline + 1)]);
                    Accept(Utf8.GetString(pending.GetBuffer(), 0, (int)pending.Length));
                    pending.SetLength(0);
                    data = data[(newline + 1)..];
                }

                pending.Write(data);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe closed under us (client killed).
        }
        finally
        {
            if (pending.Length > 0)
            {
                Accept(Utf8.GetString(pending.GetBuffer(), 0, (int)pending.Length));
            }

            _remoteProcessId.TrySetResult(null);
        }
    }

    private void Accept(string line)
    {
        if (SshRemoteScript.TryParseMarkerLine(line, _marker, out var prefix, out var kind, out var value))
        {
            Append(prefix);
            switch (kind)
            {
                case "pid":
                    _remoteProcessId.TrySetResult(value);
                    break;
                case "exit":
                    _remoteExitCode = value;
                    break;
                case "nodir":
                    _noDirectory = true;
                    break;
            }
        }
        else
        {
            Append(line);
        }
    }

    private void Append(string text)
    {
        lock (_standardError)
        {
            if (_standardError.Length + text.Length <= MaxStandardErrorChars)
            {
                _standardError.Append(text);
            }
        }
    }
}
