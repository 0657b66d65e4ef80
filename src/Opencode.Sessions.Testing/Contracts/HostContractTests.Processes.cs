using System.Collections.Concurrent;
using System.Globalization;
using NUnit.Framework;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// The contract of a host that runs real programs: everything <see cref="HostContractTests"/> checks, plus commands
/// (exit codes, output, input, working directory, environment, cancellation) and launched process groups (output,
/// graceful, escalated and aggressive termination, a child of the leader ends too, disposal stops what is left).
/// <see cref="LocalHost"/> and <see cref="SshHost"/>
/// pass it; a host that only records or simulates (such as <see cref="FakeHost"/>) derives from
/// <see cref="HostContractTests"/> instead.
/// </summary>
/// <remarks>This part: launched processes and their process groups.</remarks>
public abstract partial class ProcessHostContractTests : HostContractTests
{
    /// <summary>Output (standard error merged, a last line without newline included) is delivered; the exit code is reported.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Launch_DeliversOutputLinesAndTheExitCode()
    {
        using var timeout = Timeout();
        var lines = new ConcurrentQueue<string>();

        var process = await Host.LaunchAsync(
            new HostProcessStartInfo("/bin/sh", ["-c", "echo one; echo two >&2; echo \"$X\"; printf 'no newline'; exit 7"])
            {
                Environment = new Dictionary<string, string?> { ["X"] = "env 'value'" },
                OutputLine = lines.Enqueue,
            },
            timeout.Token).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            Assert.That(await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo(7));
        }

        // Standard output and standard error may be read apart, so only the order within each stream is kept.
        Assert.That(lines, Is.EquivalentTo(new[] { "one", "two", "env 'value'", "no newline" }));
        Assert.That(lines.Where(l => l != "two"), Is.EqualTo(new[] { "one", "env 'value'", "no newline" }));
    }

    /// <summary>Graceful termination sends SIGTERM to the group: the leader handles it, and its child ends too.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Terminate_Graceful_TheLeaderHandlesTermAndTheChildEnds()
    {
        using var timeout = Timeout();
        var (process, child, lines) = await LaunchGroupAsync(ignoreTerm: false, timeout.Token).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            await process.TerminateAsync(TerminationMode.Graceful, timeout.Token).ConfigureAwait(false);

            Assert.That(await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo(3), "the leader exits with its own code from its TERM handler");
            Assert.That(lines, Does.Contain("got TERM"));
            Assert.That(await EventuallyAsync(async () => !await IsAliveAsync(child, timeout.Token).ConfigureAwait(false), timeout.Token).ConfigureAwait(false), Is.True, "the child in the group survived");
        }
    }

    /// <summary>A group that ignores SIGTERM is SIGKILLed after the grace period.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Terminate_GracefulButTermIgnored_EscalatesToKillAfterTheGracePeriod()
    {
        using var timeout = Timeout();
        var (process, child, _) = await LaunchGroupAsync(ignoreTerm: true, timeout.Token).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            var started = DateTime.UtcNow;

            await process.TerminateAsync(TerminationMode.Graceful, timeout.Token).ConfigureAwait(false);

            Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(700)), "SIGKILL came before the grace period ended");
            Assert.That(await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo(137));
            Assert.That(await EventuallyAsync(async () => !await IsAliveAsync(child, timeout.Token).ConfigureAwait(false), timeout.Token).ConfigureAwait(false), Is.True, "the child in the group survived");
        }
    }

    /// <summary>Aggressive termination SIGKILLs the group at once.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Terminate_Aggressive_KillsTheGroupAtOnce()
    {
        using var timeout = Timeout();
        var (process, child, lines) = await LaunchGroupAsync(ignoreTerm: false, timeout.Token).ConfigureAwait(false);
        await using (process.ConfigureAwait(false))
        {
            await process.TerminateAsync(TerminationMode.Aggressive, timeout.Token).ConfigureAwait(false);

            Assert.That(await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo(137));
            Assert.That(lines, Does.Not.Contain("got TERM"));
            Assert.That(await EventuallyAsync(async () => !await IsAliveAsync(child, timeout.Token).ConfigureAwait(false), timeout.Token).ConfigureAwait(false), Is.True, "the child in the group survived");
        }
    }

    /// <summary>Disposing the host stops what it launched, group and all.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Dispose_StopsLaunchedProcessGroups()
    {
        using var timeout = Timeout();
        var (process, child, _) = await LaunchGroupAsync(ignoreTerm: true, timeout.Token).ConfigureAwait(false);
        var leader = process.ProcessId;

        await Host.DisposeAsync().ConfigureAwait(false);

        Assert.That(await process.Exited.WaitAsync(timeout.Token).ConfigureAwait(false), Is.EqualTo(137));
        await using var checker = await CreateHostAsync(timeout.Token).ConfigureAwait(false);
        await checker.ConnectAsync(timeout.Token).ConfigureAwait(false);
        Assert.That(await EventuallyAsync(async () => !await IsAliveAsync(checker, child, timeout.Token).ConfigureAwait(false) && !await IsAliveAsync(checker, leader, timeout.Token).ConfigureAwait(false), timeout.Token).ConfigureAwait(false), Is.True, "a process of the group survived the host");
    }

    /// <summary>Tells whether a process exists on the host (<c>kill -0</c>; a zombie counts as gone).</summary>
    /// <param name="processId">The process id on the host.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns><see langword="true"/> if it is running.</returns>
    protected Task<bool> IsAliveAsync(int processId, CancellationToken cancellationToken) => IsAliveAsync(Host, processId, cancellationToken);

    private static async Task<bool> IsAliveAsync(IHost host, int processId, CancellationToken cancellationToken)
    {
        var pid = processId.ToString(CultureInfo.InvariantCulture);
        var script = "kill -0 \"$1\" 2>/dev/null || exit 1; state=$(sed -n 's/^State:[[:space:]]*\\([A-Z]\\).*/\\1/p' /proc/\"$1\"/status 2>/dev/null); [ \"$state\" != Z ]";
        var result = await host.RunCommandAsync(HostCommand.Shell(script, pid), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0;
    }


    /// <summary>Launches a leader that starts a child in its group and prints READY with both pids.</summary>
    private async Task<(IHostProcess Process, int Child, ConcurrentQueue<string> Lines)> LaunchGroupAsync(bool ignoreTerm, CancellationToken cancellationToken)
    {
        var lines = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var trap = ignoreTerm ? "trap '' TERM; " : "trap 'echo got TERM; exit 3' TERM; ";
        var process = await Host.LaunchAsync(
            new HostProcessStartInfo("/bin/sh", ["-c", trap + "sleep 600 & echo READY $!; while :; do sleep 1; done"])
            {
                OutputLine = line =>
                {
                    lines.Enqueue(line);
                    if (line.StartsWith("READY ", StringComparison.Ordinal))
                    {
                        ready.TrySetResult(int.Parse(line[6..], CultureInfo.InvariantCulture));
                    }
                },
                // A group that handles TERM gets time to do so even on a loaded machine; one that ignores it is killed soon.
                GracePeriod = ignoreTerm ? TimeSpan.FromMilliseconds(800) : TimeSpan.FromSeconds(10),
            },
            cancellationToken).ConfigureAwait(false);
        var child = await ready.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        Assert.That(await IsAliveAsync(child, cancellationToken).ConfigureAwait(false), Is.True, "the child started");
        return (process, child, lines);
    }
}
