using System.Diagnostics;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>Failures before the session starts (connect, install, the leftover task directory): teardown always runs.</content>
public sealed partial class TaskRunnerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_ConnectFails_SurfacesTheErrorAndStillDisposesTheHost(CancellationToken cancellationToken)
    {
        // Arrange
        var connectError = new IOException("no route to host");
        _h.Host.FailOn(nameof(IHost.ConnectAsync), connectError);
        var task = _h.CreateTask();

        // Act
        var ex = (await Assert.ThrowsAsync<IOException>(() => task.ExecuteAsync(_h.Context, cancellationToken)))!;

        // Assert
        Assert.That(ex, Is.SameAs(connectError));
        Assert.That(_h.Host.IsDisposed, Is.True, "teardown runs whatever step failed");
        Assert.That(_h.Host.Operations, Does.Not.Contain(nameof(IHost.LaunchAsync)));
        Assert.That(_h.Host.Operations, Does.Not.Contain(nameof(IHost.CleanupTaskDirectoryAsync)),
            "the task directory was never claimed by this run, so it is not ours to remove");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_OpencodeMissingAndInstallDisabled_ThrowsInstallExceptionAndCleansUp(CancellationToken cancellationToken)
    {
        // Arrange
        _h.OpencodeFound = false;
        var task = _h.CreateTask(c => c with { InstallIfMissing = false });

        // Act
        var ex = (await Assert.ThrowsAsync<OpencodeInstallException>(() => task.ExecuteAsync(_h.Context, cancellationToken)))!;

        // Assert: the message tells the user how to fix it.
        Assert.That(ex.Version, Is.EqualTo(OpencodeTaskConfig.DefaultOpencodeVersion));
        Assert.That(ex.Message, Does.Contain($"npm install -g opencode-ai@{OpencodeTaskConfig.DefaultOpencodeVersion}"));
        Assert.That(ex.Message, Does.Contain(nameof(OpencodeTaskConfig.OpencodeExecutable)));
        Assert.That(ex.Message, Does.Contain(nameof(OpencodeTaskConfig.InstallIfMissing)));
        Assert.That(ex.Message, Does.Contain(TaskRunnerHarness.CacheRoot));
        Assert.That(_h.CommandsWith("npm install"), Is.Empty, "InstallIfMissing = false never runs npm");
        Assert.That(_h.Host.Processes, Is.Empty);
        Assert.That(_h.Timeline(nameof(IHost.CleanupTaskDirectoryAsync), nameof(IHost.DisposeAsync)),
            Is.EqualTo(new[] { nameof(IHost.CleanupTaskDirectoryAsync), nameof(IHost.DisposeAsync) }));
        Assert.That(_h.Host.DirectoryExists(_h.Host.TaskDirectory), Is.False);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_LeftoverTaskDirectory_IsMovedAsideNotDeleted(CancellationToken cancellationToken)
    {
        // Arrange: a real directory left by an earlier run; the move-aside script runs for real with /bin/sh.
        var root = Directory.CreateTempSubdirectory("ocs-leftover-");
        try
        {
            var taskDirectory = Path.Combine(root.FullName, TaskRunnerHarness.ProcessId);
            Directory.CreateDirectory(Path.Combine(taskDirectory, "workdir"));
            await File.WriteAllTextAsync(Path.Combine(taskDirectory, "workdir", "unsaved.txt"), "work of the crashed run", cancellationToken);
            await using var h = new TaskRunnerHarness(taskDirectory);
            h.Commands = command => command.Arguments.Any(a => a.Contains(".preserved-", StringComparison.Ordinal)) ? RunForReal(command) : null;
            var clock = new FixedClock(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
            var task = h.CreateTask(c => c with { TimeProvider = clock });

            // Act
            await h.RunToDoneAsync(task, cancellationToken);

            // Assert
            var preserved = taskDirectory + ".preserved-20260304T050607Z";
            Assert.That(File.ReadAllText(Path.Combine(preserved, "workdir", "unsaved.txt")), Is.EqualTo("work of the crashed run"));
            Assert.That(Directory.Exists(taskDirectory), Is.False);
            Assert.That(h.Context.Messages, Does.Contain($"A task directory from an earlier run was kept at {preserved} on fake host"));
            var operations = h.Host.Calls.Select(c => c.Target?.Contains(".preserved-", StringComparison.Ordinal) == true ? "MoveAside" : c.Operation).ToList();
            Assert.That(operations.IndexOf("MoveAside"), Is.GreaterThan(operations.IndexOf(nameof(IHost.ConnectAsync))));
            Assert.That(operations.IndexOf("MoveAside"), Is.LessThan(operations.IndexOf(nameof(IHost.SetupWorkdirAsync))));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_MovingTheLeftoverAsideFails_KeepsTheLeftoverTaskDirectory(CancellationToken cancellationToken)
    {
        // Arrange: a task directory kept by an earlier run whose snapshot failed holds the only copy of its work.
        var unsaved = _h.Host.WorkDirectory + "/unsaved.txt";
        _h.Host.AddFile(unsaved, "work of the earlier run");
        _h.Commands = command => command.Arguments.Any(a => a.Contains(".preserved-", StringComparison.Ordinal))
            ? new HostCommandResult(1, "", "mv: cannot move: Permission denied")
            : null;
        var task = _h.CreateTask();

        // Act
        var ex = (await Assert.ThrowsAsync<HostCommandException>(() => task.ExecuteAsync(_h.Context, cancellationToken)))!;

        // Assert
        Assert.That(ex.Message, Does.Contain("Permission denied"));
        Assert.That(_h.Host.Operations, Does.Not.Contain(nameof(IHost.CleanupTaskDirectoryAsync)));
        Assert.That(_h.Host.FileExists(unsaved), Is.True, "teardown must never delete a task directory it could not move aside");
        Assert.That(_h.Host.IsDisposed, Is.True);
    }

    /// <summary>Runs a host command on this machine (the move-aside script is plain POSIX sh).</summary>
    private static HostCommandResult RunForReal(HostCommand command)
    {
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            WorkingDirectory = command.WorkingDirectory ?? "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new HostCommandResult(process.ExitCode, stdout, stderr);
    }

    /// <summary>A clock stopped at one instant (timers still run on the system clock).</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
