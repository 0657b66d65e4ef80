using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Tasks;

/// <content>The log channel ends before DONE: a lost SSH connection surfaces as such, anything else as a closed channel.</content>
public sealed partial class TaskRunnerTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_FollowerLosesTheSshConnection_ThrowsThatSshConnectionExceptionAndTearsDown(CancellationToken cancellationToken)
    {
        // Arrange
        var lost = new SshConnectionException(SshFailureKind.ConnectionLost, "agent@build-7:22", "the connection closed while following optio.log was running");
        _h.Host.FailOn(nameof(IHost.FollowFileAsync), lost);
        var task = _h.CreateTask();

        // Act
        var ex = await Assert.ThrowsAsync<SshConnectionException>(() => task.ExecuteAsync(_h.Context, cancellationToken));

        // Assert
        Assert.That(ex, Is.SameAs(lost), "the connection failure itself, not a log-channel wrapper");
        Assert.That(ex!.Message, Does.Contain("agent@build-7:22").And.Contain("the connection was lost"));
        Assert.That(_h.Host.IsDisposed, Is.True, "teardown ran");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ExecuteAsync_FollowerFailsForAnotherReason_ThrowsLogChannelClosedWithTheCause(CancellationToken cancellationToken)
    {
        // Arrange
        var cause = new IOException("tail: cannot follow optio.log");
        _h.Host.FailOn(nameof(IHost.FollowFileAsync), cause);
        var task = _h.CreateTask();

        // Act
        var ex = await Assert.ThrowsAsync<LogChannelClosedException>(() => task.ExecuteAsync(_h.Context, cancellationToken));

        // Assert
        Assert.That(ex!.InnerException, Is.SameAs(cause));
        Assert.That(ex.Message, Does.Contain(_h.OptioLog).And.Contain("before the agent wrote DONE or ERROR").And.Contain("tail: cannot follow"));
        Assert.That(_h.Host.IsDisposed, Is.True, "teardown ran");
    }
}
