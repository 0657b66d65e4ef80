using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Hosting;

/// <summary>SSH-specific following (channel drops, remote tails); the common cases are in the host contract kit.</summary>
[TestFixture]
public sealed class SshHostFollowTests : SshHostTestBase
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Follow_ChannelDrops_RestartsWithoutLosingOrRepeatingLines(CancellationToken cancellationToken)
    {
        var path = Host.WorkDirectory + "/drop-" + Guid.NewGuid().ToString("N") + ".log";
        await File.WriteAllTextAsync(path, "1\n2\npart", cancellationToken);
        await using var lines = Host.FollowFileAsync(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await NextAsync(lines), Is.EqualTo("1"));
        Assert.That(await NextAsync(lines), Is.EqualTo("2"));

        // Kill the remote tail (the "remote" is this machine): the channel ends while the connection lives.
        var tails = ProcessTable.WithCommandLine(path);
        Assert.That(tails, Is.Not.Empty);
        foreach (var pid in tails)
        {
            ProcessTable.Kill(pid);
        }

        await File.AppendAllTextAsync(path, "ial\n3\n", cancellationToken);

        Assert.That(await NextAsync(lines), Is.EqualTo("partial"));
        Assert.That(await NextAsync(lines), Is.EqualTo("3"));
        await File.AppendAllTextAsync(path, "4\n", cancellationToken);
        Assert.That(await NextAsync(lines), Is.EqualTo("4"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Follow_ChannelDropsWhileALongLineIsCut_DoesNotRepeatTheCutLine(CancellationToken cancellationToken)
    {
        await using var host = new SshHost(Server.CreateConfig(remoteTaskRoot: Root), "cut") { MaxFollowedLineBytes = 16 };
        await host.ConnectAsync(cancellationToken);
        var path = Root + "/cut-" + Guid.NewGuid().ToString("N") + ".log";
        await File.WriteAllTextAsync(path, "short\n0123456789abcdefTAIL", cancellationToken);
        await using var lines = host.FollowFileAsync(path, cancellationToken).GetAsyncEnumerator(cancellationToken);
        Assert.That(await NextAsync(lines), Is.EqualTo("short"));
        Assert.That(await lines.MoveNextAsync(), Is.True);
        Assert.That((lines.Current.Text, lines.Current.Truncated), Is.EqualTo(("0123456789abcdef", true)));

        foreach (var pid in ProcessTable.WithCommandLine(path))
        {
            ProcessTable.Kill(pid);
        }

        await File.AppendAllTextAsync(path, "MORE\nnext\n", cancellationToken);

        Assert.That(await NextAsync(lines), Is.EqualTo("next"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Follow_Cancelled_EndsAndLeavesNoRemoteTail(CancellationToken cancellationToken)
    {
        var path = Host.WorkDirectory + "/cancel-" + Guid.NewGuid().ToString("N") + ".log";
        await File.WriteAllTextAsync(path, "a\n", cancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var lines = Host.FollowFileAsync(path, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.That(await NextAsync(lines), Is.EqualTo("a"));
        var next = NextAsync(lines);

        await cancel.CancelAsync();

        await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), () => next);
        Assert.That(await ProcessTable.WaitUntilAsync(() => ProcessTable.WithCommandLine(path).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True);
    }

    private static async Task<string> NextAsync(IAsyncEnumerator<FollowedLine> lines) =>
        await lines.MoveNextAsync() ? lines.Current.Text : throw new InvalidOperationException("The follower ended.");
}
