namespace Opencode.Sessions.Tests.Security;

/// <summary>Item 8: the configured environment cannot override the library's own entries.</summary>
[TestFixture]
[Category("Security")]
public sealed class ReservedEnvironmentSecurityTests
{
    [TestCase("OPENCODE_SESSIONS_TASK_DIRECTORY")]
    [TestCase("OPENCODE_SERVER_PASSWORD")]
    [TestCase("OPENCODE_SERVER_USERNAME")]
    [TestCase("OPENCODE_DB")]
    [TestCase("OPENCODE_SESSIONS_GUARD")]
    [TestCase("BROWSER")]
    [TestCase("HOME")]
    [TestCase("XDG_CONFIG_HOME")]
    [TestCase("XDG_DATA_HOME")]
    [TestCase("XDG_CACHE_HOME")]
    [TestCase("XDG_STATE_HOME")]
    public void Item8_ReservedName_IsRejectedAtCreate(string name)
    {
        var config = new OpencodeTaskConfig { Environment = new Dictionary<string, string?> { [name] = "/elsewhere" } };

        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", config));

        Assert.That(ex!.Message, Does.Contain("Environment").And.Contain(name));
    }

    [Test]
    public void Item8_RemovingTheTaskMarker_IsRejectedToo()
    {
        var config = new OpencodeTaskConfig { Environment = new Dictionary<string, string?> { ["OPENCODE_SESSIONS_TASK_DIRECTORY"] = null } };

        Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", config));
    }

    [Test]
    public void Item8_EveryReservedName_IsNamedInOneMessage()
    {
        var config = new OpencodeTaskConfig
        {
            Environment = new Dictionary<string, string?> { ["OPENCODE_DB"] = "x", ["OPENCODE_SESSIONS_TASK_DIRECTORY"] = "/x", ["MY_TOKEN"] = "fine" },
        };

        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", config));

        Assert.That(ex!.Message, Does.Contain("OPENCODE_DB").And.Contain("OPENCODE_SESSIONS_TASK_DIRECTORY").And.Not.Contain("MY_TOKEN"));
    }

    [TestCase("HOME")]
    [TestCase("XDG_CONFIG_HOME")]
    public void Item8_HomeNames_AreAllowedWhenHomeIsNotIsolated(string name)
    {
        var config = new OpencodeTaskConfig { IsolateHome = false, Environment = new Dictionary<string, string?> { [name] = "/srv/home" } };

        Assert.DoesNotThrow(() => OpencodeTaskFactory.Create("j", "n", config));
    }
}
