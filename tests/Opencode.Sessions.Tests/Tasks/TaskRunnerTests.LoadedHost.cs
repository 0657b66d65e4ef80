using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>Defaults a loaded host used to defeat: the session-creation retries and the version probe.</content>
public sealed partial class TaskRunnerTests
{
    [Test]
    [CancelAfter(60_000)]
    public async Task ExecuteAsync_SessionCreationFailsFourTimesWhileOpencodeIsBusy_KeepsRetryingAndGoesLive(CancellationToken cancellationToken)
    {
        // Arrange: four transient failures were the old limit (4 attempts within 0.9 s).
        _h.SessionCreateFailures = 4;
        var task = _h.CreateTask();

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        Assert.That(_h.Opencode.RequestsTo("POST", "/session").Count(), Is.EqualTo(5));
        Assert.That(_h.Context.Messages, Does.Contain("opencode is live"));
    }

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_OpencodeFromTheInstallCache_SkipsTheVersionProbe(bool fromCache, CancellationToken cancellationToken)
    {
        // Arrange: the cache's layout names the version the installer verified; opencode on PATH says nothing.
        var cached = $"{TaskRunnerHarness.CacheRoot}/opencode-ai/{OpencodeTaskConfig.DefaultOpencodeVersion}/node_modules/opencode-linux-x64/bin/opencode";
        _h.Commands = command => command.Arguments.Count > 1 && command.Arguments[1] == OpencodeInstallScripts.Locate
            ? new HostCommandResult(0, fromCache ? $"root={TaskRunnerHarness.CacheRoot}\ncache={cached}\n" : $"root={TaskRunnerHarness.CacheRoot}\npath=/usr/bin/opencode\n", "")
            : null;
        var task = _h.CreateTask();

        // Act
        await _h.RunToDoneAsync(task, cancellationToken);

        // Assert
        Assert.That(_h.CommandsWith("exec \"$1\" --version"), fromCache ? Is.Empty : Has.Count.EqualTo(1));
        Assert.That(_h.Context.Messages, Does.Contain($"Launching opencode {OpencodeTaskConfig.DefaultOpencodeVersion}…"));
        Assert.That(_h.Process.StartInfo.Arguments.Any(a => a.Contains(fromCache ? cached : "/usr/bin/opencode", StringComparison.Ordinal)), Is.True, "the located executable is launched");
    }

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(20_000)]
    public async Task ExecuteAsync_SessionEnds_SweepsLeftoversBesideTheKillOnlyWhenCancelled(bool cancel, CancellationToken cancellationToken)
    {
        // Arrange: the termination waits (up to 3 s) to see whether the sweep starts while opencode is being stopped.
        var sweepStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool? sweptDuringTheStop = null;
        var launched = false;
        _h.Host.BeforeCall = async (call, token) =>
        {
            if (call.Operation == nameof(IHost.LaunchAsync))
            {
                launched = true; // sweeps before the launch stop an earlier run's leftovers; they are not the teardown's
            }
            else if (launched && call.Operation == nameof(IHost.RunCommandAsync) && call.Target?.Contains("/environ", StringComparison.Ordinal) == true)
            {
                sweepStarted.TrySetResult();
            }
            else if (call.Operation == nameof(IHostProcess.TerminateAsync))
            {
                sweptDuringTheStop = await Task.WhenAny(sweepStarted.Task, Task.Delay(TimeSpan.FromSeconds(3), token)) == sweepStarted.Task;
            }
        };
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = await _h.StartAsync(_h.CreateTask(), cancellation.Token, cancel ? [] : ["DONE"]);

        // Act
        if (cancel)
        {
            await cancellation.CancelAsync();
            await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        }
        else
        {
            await run;
        }

        // Assert: overlapped after a cancellation (both only SIGKILL); after DONE opencode's grace comes first.
        Assert.That(sweepStarted.Task.IsCompleted, Is.True, "the leftover sweep ran");
        Assert.That(sweptDuringTheStop, Is.EqualTo(cancel));
        Assert.That(_h.Process.TerminationRequests, Is.EqualTo(new[] { cancel ? TerminationMode.Aggressive : TerminationMode.Graceful }));
    }
}
