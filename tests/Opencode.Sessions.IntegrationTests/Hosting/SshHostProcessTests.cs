using System.Collections.Concurrent;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests.Hosting;

[TestFixture]
public sealed class SshHostProcessTests : SshHostTestBase
{
    /// <summary>A leader that starts a child in its group, prints READY, and handles SIGTERM (or ignores it).</summary>
    private static HostProcessStartInfo GroupScript(ConcurrentQueue<string> output, bool ignoreTerm, string token) =>
        new("/bin/sh", ["-c", (ignoreTerm ? "trap '' TERM; " : "trap 'echo got TERM; exit 3' TERM; ") + "sleep 600 & echo READY $$ \"$X\"; while :; do sleep 1; done", token])
        {
            Environment = new Dictionary<string, string?> { ["X"] = "env 'value'" },
            OutputLine = output.Enqueue,
            GracePeriod = TimeSpan.FromMilliseconds(800),
        };

    [Test]
    [CancelAfter(120_000)]
    public async Task Launch_ReportsTheGroupLeaderPidAndStreamsOutput(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        await using var process = await Host.LaunchAsync(GroupScript(output, ignoreTerm: false, Token()), cancellationToken);

        Assert.That(await ProcessTable.WaitUntilAsync(() => output.Contains($"READY {process.ProcessId} env 'value'"), ProcessTable.SettleTimeout, cancellationToken), Is.True, string.Join("|", output));
        Assert.That(ProcessTable.GroupMembers(process.ProcessId), Has.Count.GreaterThanOrEqualTo(2), "leader and its child share the new group");
        Assert.That(process.Exited.IsCompleted, Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Terminate_Graceful_SendsTermAndEndsTheWholeGroup(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        await using var process = await Host.LaunchAsync(GroupScript(output, ignoreTerm: false, Token()), cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Any(l => l.StartsWith("READY")), ProcessTable.SettleTimeout, cancellationToken);

        await process.TerminateAsync(TerminationMode.Graceful, cancellationToken);

        Assert.That(await process.Exited, Is.EqualTo(3), "the leader handled SIGTERM and exited with its own code");
        Assert.That(output, Does.Contain("got TERM"));
        Assert.That(ProcessTable.GroupMembers(process.ProcessId), Is.Empty, "the child in the group is gone too");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Terminate_GracefulButTermIgnored_EscalatesToKillAfterTheGracePeriod(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        await using var process = await Host.LaunchAsync(GroupScript(output, ignoreTerm: true, Token()), cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Any(l => l.StartsWith("READY")), ProcessTable.SettleTimeout, cancellationToken);
        var started = DateTime.UtcNow;

        await process.TerminateAsync(TerminationMode.Graceful, cancellationToken);

        Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(700)));
        Assert.That(await process.Exited, Is.EqualTo(137));
        Assert.That(ProcessTable.GroupMembers(process.ProcessId), Is.Empty);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Terminate_Aggressive_KillsTheGroupAtOnce(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        await using var process = await Host.LaunchAsync(GroupScript(output, ignoreTerm: false, Token()), cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Any(l => l.StartsWith("READY")), ProcessTable.SettleTimeout, cancellationToken);

        await process.TerminateAsync(TerminationMode.Aggressive, cancellationToken);

        Assert.That(await process.Exited, Is.EqualTo(137));
        Assert.That(output, Does.Not.Contain("got TERM"));
        Assert.That(ProcessTable.GroupMembers(process.ProcessId), Is.Empty);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Exited_ProcessEndsByItself_CompletesWithItsCodeAndLastLine(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        await using var process = await Host.LaunchAsync(new HostProcessStartInfo("/bin/sh", ["-c", "echo one; echo two >&2; printf 'no newline'; exit 7"]) { OutputLine = output.Enqueue }, cancellationToken);

        Assert.That(await process.Exited, Is.EqualTo(7));
        Assert.That(output, Is.EqualTo(new[] { "one", "two", "no newline" }));
        await process.TerminateAsync(TerminationMode.Graceful, cancellationToken);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Launch_MissingWorkingDirectory_ThrowsDirectoryNotFound(CancellationToken cancellationToken) =>
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => Host.LaunchAsync(new HostProcessStartInfo("true", []) { WorkingDirectory = "/nonexistent" }, cancellationToken));

    [Test]
    [CancelAfter(120_000)]
    public async Task Dispose_WithoutTerminate_KillsTheGroupAndStopsTheMaster(CancellationToken cancellationToken)
    {
        var output = new ConcurrentQueue<string>();
        var process = await Host.LaunchAsync(GroupScript(output, ignoreTerm: true, Token()), cancellationToken);
        await ProcessTable.WaitUntilAsync(() => output.Any(l => l.StartsWith("READY")), ProcessTable.SettleTimeout, cancellationToken);
        var master = Host.MasterProcessId!.Value;

        await Host.DisposeAsync();
        await Host.DisposeAsync();

        Assert.That(ProcessTable.GroupMembers(process.ProcessId), Is.Empty);
        Assert.That(ProcessTable.IsAlive(master), Is.False);
        Assert.That(await ProcessTable.WaitUntilAsync(() => Server.ConnectionProcessIds().Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True, "the server side of the connection closed");
    }

    private static string Token() => "ocs-proc-" + Guid.NewGuid().ToString("N");
}
