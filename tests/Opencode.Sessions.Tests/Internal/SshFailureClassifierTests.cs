using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class SshFailureClassifierTests
{
    // Messages as printed by OpenSSH 9.2 (measured against a real sshd).
    [TestCase("No ED25519 host key is known for [127.0.0.1]:22991 and you have requested strict checking.\nHost key verification failed.\n", SshFailureKind.HostKeyUnknown)]
    [TestCase("@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@\nHost key for [127.0.0.1]:22991 has changed and you have requested strict checking.\nHost key verification failed.\n", SshFailureKind.HostKeyChanged)]
    [TestCase("root@127.0.0.1: Permission denied (publickey).\n", SshFailureKind.AuthenticationFailed)]
    [TestCase("Load key \"/k\": bad permissions\nroot@h: Permission denied (publickey).\n", SshFailureKind.AuthenticationFailed)]
    [TestCase("ssh: connect to host 127.0.0.1 port 1: Connection refused\n", SshFailureKind.Unreachable)]
    [TestCase("ssh: Could not resolve hostname nonexistent.invalid: Name or service not known\n", SshFailureKind.Unreachable)]
    [TestCase("Connection timed out during banner exchange\nConnection to 10.255.255.1 port 22 timed out\n", SshFailureKind.Unreachable)]
    [TestCase("Connection to 127.0.0.1 closed by remote host.\n", SshFailureKind.ConnectionLost)]
    [TestCase("Timeout, server 10.0.0.1 not responding.\n", SshFailureKind.ConnectionLost)]
    [TestCase("mux_client_request_session: read from master failed: Broken pipe\n", SshFailureKind.ConnectionLost)]
    [TestCase("something nobody expected\n", SshFailureKind.Other)]
    [TestCase("", SshFailureKind.Other)]
    public void Classify_KnownMessages_MapToTheirKind(string standardError, SshFailureKind expected) =>
        Assert.That(SshFailureClassifier.Classify(standardError), Is.EqualTo(expected));
}
