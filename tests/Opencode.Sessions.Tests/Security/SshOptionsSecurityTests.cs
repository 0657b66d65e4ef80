using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Escape 9: ssh options that run local commands or switch off host-key checking are explicit opt-ins.</summary>
[TestFixture]
[Category("Security")]
public sealed class SshOptionsSecurityTests
{
    [TestCase("ProxyCommand", "nc %h %p")]
    [TestCase("proxycommand", "sh -c 'touch /tmp/pwned'")]
    [TestCase("KnownHostsCommand", "/usr/bin/cat /tmp/keys")]
    [TestCase("LocalCommand", "touch /tmp/pwned")]
    [TestCase("PermitLocalCommand", "yes")]
    [TestCase("Match", "exec \"touch /tmp/pwned\"")]
    [TestCase("RemoteCommand", "id")]
    [TestCase("PKCS11Provider", "/tmp/evil.so")]
    [TestCase("SecurityKeyProvider", "/tmp/evil.so")]
    [TestCase("Include", "/tmp/evil_config")]
    [TestCase("StrictHostKeyChecking", "no")]
    [TestCase("StrictHostKeyChecking", "off")]
    [TestCase("UserKnownHostsFile", "/dev/null")]
    [TestCase("GlobalKnownHostsFile", "/dev/null")]
    public void Escape9_UnsafeOption_IsRefusedAtCreate(string key, string value)
    {
        var config = new OpencodeTaskConfig { Ssh = new SshConfig("example.org") { Options = new Dictionary<string, string> { [key] = value } } };

        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", config));

        Assert.That(ex!.Message, Does.Contain("Ssh.Options").And.Contain(key).And.Contain(nameof(SshConfig.AllowUnsafeOptions)));
    }

    [TestCase("ProxyCommand", "nc %h %p")]
    [TestCase("KnownHostsCommand", "/usr/bin/cat /tmp/keys")]
    [TestCase("StrictHostKeyChecking", "no")]
    public void Escape9_UnsafeOption_WithExplicitOptIn_IsAccepted(string key, string value)
    {
        var ssh = new SshConfig("example.org") { Options = new Dictionary<string, string> { [key] = value }, AllowUnsafeOptions = true };

        Assert.That(ssh.GetProblems(), Is.Empty);
    }

    [TestCase("ProxyJump", "bastion")]
    [TestCase("Compression", "yes")]
    [TestCase("StrictHostKeyChecking", "yes")]
    [TestCase("UserKnownHostsFile", "/home/me/.ssh/known_hosts_lab")]
    [TestCase("PermitLocalCommand", "no")]
    public void Escape9_HarmlessOption_IsAcceptedWithoutOptIn(string key, string value) =>
        Assert.That(new SshConfig("example.org") { Options = new Dictionary<string, string> { [key] = value } }.GetProblems(), Is.Empty);
}
