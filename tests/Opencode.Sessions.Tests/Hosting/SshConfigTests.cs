using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Hosting;

[TestFixture]
public sealed class SshConfigTests
{
    [Test]
    public void GetProblems_ValidConfig_IsEmpty() =>
        Assert.That(new SshConfig("example.org") { User = "me", TunnelBindAddress = "0.0.0.0", RemoteTaskRoot = "/srv" }.GetProblems(), Is.Empty);

    [Test]
    public void GetProblems_InvalidConfig_ListsEveryField()
    {
        var config = new SshConfig("-bad host")
        {
            Port = 70000,
            User = "a@b",
            IdentityFiles = [""],
            Options = new Dictionary<string, string> { ["Proxy Command"] = "x" },
            ConnectTimeout = TimeSpan.Zero,
            KeepAliveInterval = TimeSpan.Zero,
            RemoteTaskRoot = "tmp",
            TunnelBindAddress = "localhost",
        };

        var fields = config.GetProblems().Select(p => p.Field);

        Assert.That(fields, Is.EquivalentTo(new[] { "Host", "Port", "User", "IdentityFiles", "Options", "ConnectTimeout", "KeepAliveInterval", "RemoteTaskRoot", "TunnelBindAddress" }));
    }

    [Test]
    public void ToString_IsUserHostPort() =>
        Assert.That(new SshConfig("h") { User = "u", Port = 2200 }.ToString(), Is.EqualTo("u@h:2200"));
}
