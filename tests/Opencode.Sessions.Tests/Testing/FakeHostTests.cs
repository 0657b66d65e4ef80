using System.Net;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

[TestFixture]
public sealed partial class FakeHostTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Test]
    public void Directories_DeriveFromTheTaskDirectory()
    {
        var host = new FakeHost("/tasks/./p1/");

        Assert.That((host.TaskDirectory, host.WorkDirectory), Is.EqualTo(("/tasks/p1", "/tasks/p1/workdir")));
        Assert.That(() => new FakeHost("relative"), Throws.ArgumentException);
    }

    [Test]
    public async Task WriteReadRemove_RoundTripsBytesAndModes()
    {
        // Arrange
        var host = new FakeHost();
        var path = host.WorkDirectory + "/sub/a.txt";

        // Act
        await host.WriteFileAsync(path, new MemoryStream("hello"u8.ToArray()), null, None);
        await host.WriteFileAsync(host.WorkDirectory + "/x.sh", new MemoryStream([1]), UnixFileMode.UserExecute | UnixFileMode.UserRead, None);
        using var reader = new StreamReader(await host.OpenReadAsync(host.WorkDirectory + "/sub/../sub/a.txt", None));
        var text = await reader.ReadToEndAsync();

        // Assert
        Assert.That(text, Is.EqualTo("hello"));
        Assert.That(host.ReadAllText(path), Is.EqualTo("hello"));
        Assert.That(host.GetFileMode(path), Is.EqualTo(FakeHost.DefaultFileMode));
        Assert.That(host.GetFileMode(host.WorkDirectory + "/x.sh"), Is.EqualTo(UnixFileMode.UserExecute | UnixFileMode.UserRead));
        Assert.That(host.DirectoryExists(host.WorkDirectory + "/sub"), Is.True);
        await host.RemoveFileAsync(path, None);
        await host.RemoveFileAsync(path, None);
        Assert.That(host.FileExists(path), Is.False);
        Assert.That(async () => await host.OpenReadAsync(path, None), Throws.InstanceOf<FileNotFoundException>());
        Assert.That(async () => await host.OpenReadAsync("relative.txt", None), Throws.ArgumentException);
    }

    [Test]
    public async Task ResolveRealPathAsync_NormalisesAndFollowsRegisteredSymlinks()
    {
        var host = new FakeHost("/t");
        host.AddSymlink("/t/workdir/deliverables", "/elsewhere/out");
        host.AddSymlink("/t/workdir/rel", "../other");
        host.AddSymlink("/loop/a", "/loop/b");
        host.AddSymlink("/loop/b", "/loop/a");

        Assert.That(await host.ResolveRealPathAsync("/t/workdir/./x/../deliverables/f.txt", None), Is.EqualTo("/elsewhere/out/f.txt"));
        Assert.That(await host.ResolveRealPathAsync("/t/workdir/rel/y", None), Is.EqualTo("/t/other/y"));
        Assert.That(await host.ResolveRealPathAsync("/t/workdir/missing/z", None), Is.EqualTo("/t/workdir/missing/z"));
        Assert.That(async () => await host.ResolveRealPathAsync("/loop/a/x", None), Throws.InstanceOf<IOException>());
    }

    [Test]
    public async Task Calls_AreRecordedInOrder_WithTargets()
    {
        var host = new FakeHost("/t");

        await host.ConnectAsync(None);
        await host.SetupWorkdirAsync(None);
        await host.WriteFileAsync("/t/workdir/f", new MemoryStream(), null, None);
        var endpoint = await host.OpenTunnelAsync(4096, None);
        await host.CleanupTaskDirectoryAsync(None);
        await host.DisposeAsync();
        await host.DisposeAsync();

        Assert.That(host.Operations, Is.EqualTo(new[]
        {
            "ConnectAsync", "SetupWorkdirAsync", "WriteFileAsync", "OpenTunnelAsync", "CleanupTaskDirectoryAsync", "DisposeAsync", "DisposeAsync",
        }));
        Assert.That(host.Calls[2], Is.EqualTo(new FakeHostCall("WriteFileAsync", "/t/workdir/f")));
        Assert.That(endpoint, Is.EqualTo(new IPEndPoint(IPAddress.Loopback, 4096)));
        Assert.That(host.DirectoryExists("/t/workdir"), Is.False);
        Assert.That(host.IsDisposed, Is.True);
        Assert.That(async () => await host.ConnectAsync(None), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task FailOn_ThrowsForMatchingCalls_FailOnceOnlyOnce()
    {
        // Arrange
        var host = new FakeHost("/t");
        var boom = new IOException("disk full");
        host.FailOn(nameof(IHost.WriteFileAsync), boom, call => call.Target!.EndsWith("opencode.json", StringComparison.Ordinal));
        host.FailOnce(nameof(IHost.ConnectAsync), new TimeoutException("first connect"));

        // Act + Assert
        Assert.That(async () => await host.WriteFileAsync("/t/workdir/opencode.json", new MemoryStream(), null, None), Throws.InstanceOf<IOException>().With.Message.EqualTo("disk full"));
        Assert.That(async () => await host.WriteFileAsync("/t/workdir/opencode.json", new MemoryStream(), null, None), Throws.InstanceOf<IOException>().With.Message.EqualTo("disk full"));
        await host.WriteFileAsync("/t/workdir/other.txt", new MemoryStream(), null, None);
        Assert.That(async () => await host.ConnectAsync(None), Throws.InstanceOf<TimeoutException>());
        await host.ConnectAsync(None);
        host.ClearFailures();
        await host.WriteFileAsync("/t/workdir/opencode.json", new MemoryStream(), null, None);
        Assert.That(host.Operations.Count(o => o == "WriteFileAsync"), Is.EqualTo(4), "failed calls are recorded too");
        Assert.That(() => host.FailOn("WriteFile", boom), Throws.ArgumentException.With.Message.Contains("WriteFileAsync"));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task BeforeCall_CanHoldAnOperation(CancellationToken cancellationToken)
    {
        var host = new FakeHost();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.BeforeCall = (call, ct) => call.Operation == nameof(IHost.ArchiveWorkdirAsync) ? gate.Task.WaitAsync(ct) : Task.CompletedTask;

        var archiving = host.ArchiveWorkdirAsync(new MemoryStream(), [], cancellationToken);
        await Task.Delay(50, cancellationToken);
        Assert.That(archiving.IsCompleted, Is.False);
        gate.SetResult();

        await archiving;
    }

    [Test]
    public async Task RunCommandAsync_UsesHandler_AndRecordsCommands()
    {
        var host = new FakeHost();
        Assert.That((await host.RunCommandAsync(HostCommand.Shell("true"), None)).Succeeded, Is.True);
        host.CommandHandler = command => command.Arguments.Contains("fail")
            ? new HostCommandResult(3, "", "failed")
            : new HostCommandResult(0, "ok", "");

        var failed = await host.RunCommandAsync(new HostCommand("tool", ["fail"]), None);
        var ok = await host.RunCommandAsync(new HostCommand("tool", ["go"]), None);

        Assert.That((failed.ExitCode, failed.StandardError, ok.StandardOutput), Is.EqualTo((3, "failed", "ok")));
        Assert.That(host.Commands.Select(c => c.FileName), Is.EqualTo(new[] { "/bin/sh", "tool", "tool" }));
        Assert.That(host.Calls[^1].Target, Is.EqualTo("tool go"));
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task LaunchAsync_ProcessIsDrivenByTheTest(CancellationToken cancellationToken)
    {
        // Arrange
        var host = new FakeHost();
        var lines = new List<string>();
        host.OnLaunch = p => p.WriteOutput("opencode server listening on http://127.0.0.1:4096");
        var startInfo = new HostProcessStartInfo("opencode", ["serve"]) { OutputLine = lines.Add };

        // Act
        var process = (FakeHostProcess)await host.LaunchAsync(startInfo, cancellationToken);
        process.WriteOutput("second line");
        Assert.That(process.Exited.IsCompleted, Is.False);
        process.Exit(7);

        // Assert
        Assert.That(await process.Exited, Is.EqualTo(7));
        Assert.That(lines, Is.EqualTo(new[] { "opencode server listening on http://127.0.0.1:4096", "second line" }));
        Assert.That(process.Output, Is.EqualTo(lines));
        Assert.That(host.Processes.Single(), Is.SameAs(process));
        Assert.That(process.StartInfo, Is.SameAs(startInfo));
        Assert.That(() => process.WriteOutput("late"), Throws.InvalidOperationException);
        await process.TerminateAsync(TerminationMode.Graceful, cancellationToken);
        Assert.That(await process.Exited, Is.EqualTo(7), "terminating an exited process changes nothing");
    }

    [TestCase(TerminationMode.Graceful, false, FakeHostProcess.SigtermExitCode)]
    [TestCase(TerminationMode.Aggressive, false, FakeHostProcess.SigkillExitCode)]
    [TestCase(TerminationMode.Aggressive, true, FakeHostProcess.SigkillExitCode)]
    [TestCase(TerminationMode.Graceful, true, FakeHostProcess.SigkillExitCode)]
    public async Task TerminateAsync_EndsLikeTheSignals(TerminationMode mode, bool ignoresSigterm, int expectedExitCode)
    {
        var host = new FakeHost();
        var process = (FakeHostProcess)await host.LaunchAsync(
            new HostProcessStartInfo("x", []) { GracePeriod = TimeSpan.FromMilliseconds(50) }, None);
        process.IgnoresGracefulTermination = ignoresSigterm;

        await process.TerminateAsync(mode, None);

        Assert.That(await process.Exited, Is.EqualTo(expectedExitCode));
        Assert.That(process.TerminationRequests, Is.EqualTo(new[] { mode }));
        Assert.That(host.Calls[^1], Is.EqualTo(new FakeHostCall("TerminateAsync", mode.ToString())));
    }

    [Test]
    public async Task DisposeAsync_KillsRunningProcesses()
    {
        var host = new FakeHost();
        var running = (FakeHostProcess)await host.LaunchAsync(new HostProcessStartInfo("x", []), None);

        await host.DisposeAsync();

        Assert.That(await running.Exited, Is.EqualTo(FakeHostProcess.SigkillExitCode));
        Assert.That(running.IsDisposed, Is.True);
    }
}
