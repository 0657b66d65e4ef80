using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Hosting;

[TestFixture]
public sealed class SshConnectionExceptionTests
{
    [Test]
    public void Message_NamesTargetCauseFixAndSshOutputWithoutTheBanner()
    {
        var output = "@@@@@@@@\n@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nHost key for [h]:22 has changed and you have requested strict checking.\nHost key verification failed.\n";

        var error = new SshConnectionException(SshFailureKind.HostKeyChanged, "u@h:22", "connecting", output);

        Assert.That(error.Message, Does.StartWith("SSH to u@h:22: the server's host key does NOT match known_hosts"));
        Assert.That(error.Message, Does.Contain("ssh-keygen -R"));
        Assert.That(error.Message, Does.Contain("Host key verification failed."));
        Assert.That(error.SshOutput, Does.Not.Contain("@@@"));
        Assert.That(error, Is.InstanceOf<OpencodeSessionsException>());
    }
}
