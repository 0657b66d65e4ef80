using System.Globalization;
using System.Runtime.CompilerServices;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    /// <summary>How many times in a row a follower may be restarted without receiving a byte before it gives up.</summary>
    private const int MaxFruitlessRestarts = 5;

    /// <inheritdoc/>
    /// <remarks>
    /// Runs <c>tail -F</c> on the host. If its channel drops while the connection lives, the follower restarts from
    /// the byte after the last complete line it delivered, so no line is lost or repeated (a line that was cut at
    /// <see cref="MaxFollowedLineBytes"/> is not repeated either). Cancellation ends the enumeration with an
    /// <see cref="OperationCanceledException"/>.
    /// </remarks>
    /// <exception cref="SshConnectionException">The connection is gone (the master exited).</exception>
    /// <exception cref="HostCommandException"><c>tail</c> keeps failing on the host.</exception>
    public override async IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisposalToken);
        var token = linked.Token;
        long delivered = 0;        // offset just past the last newline consumed
        var cutLinesPending = 0;   // lines already yielded (cut ones) whose newline has not arrived yet
        var fruitless = 0;
        var buffer = new byte[64 * 1024];
        var lines = new List<FollowedLine>();
        while (true)
        {
            RequireMaster();
            var marker = SshRemoteScript.NewMarker();
            var start = (delivered + 1).ToString(CultureInfo.InvariantCulture);
            var script = SshRemoteScript.Guarded(new HostCommand("tail", ["-F", "-c", "+" + start, "--", path]), null, null, null, null, mergeStandardError: false, marker);
            var client = await StartClientAsync(script, marker, token).ConfigureAwait(false);
            var skip = cutLinesPending;
            var assembler = new LineAssembler(MaxFollowedLineBytes);
            long received = 0;
            SshClientExit exit;
            try
            {
                using var kill = token.Register(client.Kill);
                while (true)
                {
                    int read;
                    try
                    {
                        read = await client.Output.ReadAsync(buffer, token).ConfigureAwait(false);
                    }
                    catch (IOException) when (!token.IsCancellationRequested)
                    {
                        read = 0;
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    fruitless = 0;
                    var data = buffer.AsSpan(0, read);
                    var lastNewline = data.LastIndexOf((byte)'\n');
                    var newlines = data.Count((byte)'\n');
                    assembler.Append(data, lines);
                    received += read;
                    if (lastNewline >= 0)
                    {
                        delivered += received - (read - lastNewline - 1);
                        received = read - lastNewline - 1;
                    }

                    // Every newline ends one yielded line, except that a cut line is yielded before its newline
                    // arrives: emitted = newlines - pendingBefore + pendingAfter.
                    cutLinesPending += lines.Count - newlines;
                    foreach (var line in lines)
                    {
                        if (skip > 0)
                        {
                            skip--;
                            continue;
                        }

                        yield return line;
                    }

                    lines.Clear();
                }

                exit = await client.WaitForExitAsync(token).ConfigureAwait(false);
            }
            finally
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            if (_master is not { } master || !await master.CheckAsync(token).ConfigureAwait(false))
            {
                throw await ChannelFailureAsync(exit with { RemoteExitCode = null }, $"following {path}").ConfigureAwait(false);
            }

            if (++fruitless > MaxFruitlessRestarts)
            {
                throw new HostCommandException($"following '{path}' on {DisplayName} (tail ended {fruitless} times in a row without output)", new HostCommandResult(exit.RemoteExitCode ?? -1, "", exit.StandardError));
            }

            Log.FollowerRestarting(_logger, DisplayName, path, delivered, exit.RemoteExitCode);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * fruitless), token).ConfigureAwait(false);
        }
    }
}
