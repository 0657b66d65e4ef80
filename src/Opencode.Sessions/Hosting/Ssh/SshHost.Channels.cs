namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    /// <summary>How long a master that lost its connection may take to exit after its sessions noticed.</summary>
    private static readonly TimeSpan MasterExitGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Runs one remote script on a new channel: sends the script, lets <paramref name="input"/> write stdin (then EOF)
    /// while <paramref name="output"/> consumes stdout, and waits for the exit report. Guarded scripts keep stdin open (their
    /// dead-man switch) until the channel ends. Cancellation kills the local client, which ends the remote side too.
    /// </summary>
    /// <returns>How the script ended; its <see cref="SshClientExit.RemoteExitCode"/> is never <see langword="null"/>.</returns>
    /// <exception cref="SshConnectionException">The channel or the connection dropped before the script reported its exit.</exception>
    private async Task<SshClientExit> ExecuteAsync(
        string script,
        string marker,
        bool guarded,
        Func<Stream, CancellationToken, Task>? input,
        Func<Stream, CancellationToken, Task>? output,
        string what,
        CancellationToken cancellationToken)
    {
        var client = await StartClientAsync(script, marker, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisposalToken);
            using var kill = linked.Token.Register(client.Kill);
            try
            {
                var reading = (output ?? DrainAsync)(client.Output, linked.Token);
                if (input is not null)
                {
                    await CopyToChannelAsync(input, client, linked.Token).ConfigureAwait(false);
                }

                if (!guarded)
                {
                    client.CloseInput();
                }

                try
                {
                    await reading.ConfigureAwait(false);
                }
                catch
                {
                    client.Kill();
                    throw;
                }

                var exit = await client.WaitForExitAsync(linked.Token).ConfigureAwait(false);
                return exit.RemoteExitCode is null ? throw await ChannelFailureAsync(exit, what).ConfigureAwait(false) : exit;
            }
            catch (Exception ex) when (linked.IsCancellationRequested && ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new OperationCanceledException($"{DisplayName} was disposed while {what} was running.", ex, DisposalToken);
            }
        }
    }

    /// <summary>Starts an ssh session client running <paramref name="script"/>.</summary>
    private async Task<SshClientProcess> StartClientAsync(string script, string marker, CancellationToken cancellationToken)
    {
        var master = RequireMaster();
        Log.ChannelOpening(_logger, DisplayName, script.Length);
        return await SshClientProcess.StartAsync(master.Executable, master.CommandLine.Session, script, marker, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The exception for a channel that ended without an exit report: the master is gone, or the channel alone dropped.</summary>
    private async Task<SshConnectionException> ChannelFailureAsync(SshClientExit exit, string what)
    {
        var master = _master;
        if (master is not null && master.IsAlive)
        {
            // Sessions notice a dead connection a moment before the master process exits.
            try
            {
                await Task.Delay(MasterExitGrace, DisposalToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Disposing: classify with what we know now.
            }
        }

        var target = _config.ToString();
        if (master is null || !master.IsAlive)
        {
            Log.ConnectionLost(_logger, DisplayName, what);
            return new SshConnectionException(SshFailureKind.ConnectionLost, target, $"the connection closed while {what} was running", (master?.StandardError ?? "") + exit.StandardError);
        }

        if (exit.StandardError.Contains("open refused", StringComparison.OrdinalIgnoreCase) || exit.StandardError.Contains("administratively prohibited", StringComparison.OrdinalIgnoreCase))
        {
            return new SshConnectionException(SshFailureKind.Other, target, $"the server refused a new session for {what}; too many at once? (sshd MaxSessions, default 10)", exit.StandardError);
        }

        return new SshConnectionException(SshFailureKind.ConnectionLost, target, $"the channel of {what} closed before it reported its exit status (ssh exit code {exit.SshExitCode})", exit.StandardError);
    }

    /// <summary>Input that copies <paramref name="source"/> as is.</summary>
    private static Func<Stream, CancellationToken, Task> Copy(Stream source) =>
        (channel, cancellationToken) => source.CopyToAsync(channel, 128 * 1024, cancellationToken);

    private static async Task CopyToChannelAsync(Func<Stream, CancellationToken, Task> input, SshClientProcess client, CancellationToken cancellationToken)
    {
        try
        {
            await input(client.Input, cancellationToken).ConfigureAwait(false);
            await client.Input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // The remote side stopped reading (it failed, or the channel dropped): its exit report tells which.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await client.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new IOException("The ssh client stopped reading its input but did not exit.");
            }
        }

        client.CloseInput();
    }

    private static async Task DrainAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }
}
