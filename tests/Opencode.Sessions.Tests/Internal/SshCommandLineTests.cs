using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class SshCommandLineTests
{
    private const string ControlPath = "/tmp/ocs-ssh-x/cm";

    [Test]
    public void Master_Verify_PinsBatchModeControlSocketKeysAndStrictChecking()
    {
        var config = new SshConfig("example.org")
        {
            Port = 2222,
            User = "deploy",
            IdentityFiles = ["/keys/a key %h"],
            KnownHostsFile = "/kh/known hosts",
            ConfigFile = "/etc/ocs/ssh_config",
            Options = new Dictionary<string, string> { ["ProxyJump"] = "bastion" },
        };

        var args = new SshCommandLine(config, ControlPath).Master();

        Assert.That(args, Is.EqualTo(new[]
        {
            "-F", "/etc/ocs/ssh_config",
            "-o", "BatchMode=yes", "-o", "ControlMaster=yes", "-o", "ControlPath=" + ControlPath, "-o", "ControlPersist=no",
            "-o", "ConnectTimeout=15", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            "-o", "ClearAllForwardings=yes", "-o", "PermitLocalCommand=no",
            "-o", "IdentityFile=\"/keys/a key %%h\"", "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\"/kh/known hosts\"",
            "-o", "ProxyJump=bastion",
            "-p", "2222", "-l", "deploy", "-N", "-n", "-T", "-x", "-a", "--", "example.org",
        }));
    }

    [TestCase(SshHostKeyPolicy.AcceptNew, new[] { "StrictHostKeyChecking=accept-new" })]
    [TestCase(SshHostKeyPolicy.Insecure, new[] { "StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "GlobalKnownHostsFile=/dev/null" })]
    public void Master_Policy_SetsHostKeyOptions(SshHostKeyPolicy policy, string[] expected)
    {
        var args = new SshCommandLine(new SshConfig("h") { HostKeyPolicy = policy }, ControlPath).Master();

        Assert.That(args, Is.SupersetOf(expected));
        Assert.That(args.Count(a => a.StartsWith("StrictHostKeyChecking=", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void Session_NeverReadsConfigAndCannotConnectByItself()
    {
        var args = new SshCommandLine(new SshConfig("h") { ConfigFile = "/user/config" }, ControlPath).Session("remote command");

        Assert.That(args, Is.SupersetOf(new[] { "ControlMaster=no", "ControlPath=" + ControlPath, "ProxyCommand=false", "BatchMode=yes", "ClearAllForwardings=yes" }));
        Assert.That(args.Take(2), Is.EqualTo(new[] { "-F", "/dev/null" }));
        Assert.That(args.TakeLast(3), Is.EqualTo(new[] { "--", "h", "remote command" }));
    }

    [Test]
    public void Control_KeepsItsForwardSpecification()
    {
        var args = new SshCommandLine(new SshConfig("h"), ControlPath).Control("forward", "-L", "127.0.0.1:5000:127.0.0.1:4096");

        Assert.That(args, Does.Not.Contain("ClearAllForwardings=yes"));
        Assert.That(args.TakeLast(6), Is.EqualTo(new[] { "-O", "forward", "-L", "127.0.0.1:5000:127.0.0.1:4096", "--", "h" }));
    }

    [TestCase("/plain/path", "/plain/path")]
    [TestCase("/with space", "\"/with space\"")]
    [TestCase("/100%", "/100%%")]
    [TestCase("/q\"uote", "\"/q\\\"uote\"")]
    public void PathValue_EscapesTokensAndQuotes(string path, string expected) =>
        Assert.That(SshCommandLine.PathValue(path), Is.EqualTo(expected));
}
