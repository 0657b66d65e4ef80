using System.Text.Json.Nodes;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Tasks;

[TestFixture]
public sealed class OpencodeTaskFactoryTests
{
    [TestCase("../evil")]
    [TestCase("a/b")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("has space")]
    [TestCase("semi;colon")]
    [TestCase("$(whoami)")]
    [TestCase("back`tick`")]
    [TestCase("")]
    public void Create_UnsafeProcessId_ThrowsNamingTheRule(string processId)
    {
        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create(processId, "n", new OpencodeTaskConfig()));
        Assert.That(ex!.ParamName, Is.EqualTo("processId"));
        Assert.That(ex.Message, Does.Contain("[A-Za-z0-9._-]"));
    }

    [Test]
    public void Create_Defaults_MirrorTheConfig()
    {
        var task = OpencodeTaskFactory.Create("job-1.a_b", "Name", new OpencodeTaskConfig(), "desc");

        Assert.That(task.ProcessId, Is.EqualTo("job-1.a_b"));
        Assert.That(task.Name, Is.EqualTo("Name"));
        Assert.That(task.Description, Is.EqualTo("desc"));
        Assert.That(task.UiWidget, Is.EqualTo("iframe"));
        Assert.That(task.SupportsResume, Is.True);
        Assert.That(task.Config.InstallIfMissing, Is.True);
        Assert.That(task.Config.WorkdirExclude, Is.Null);
        Assert.That(task.Config.OpencodeConfig!.Count, Is.Zero);
        Assert.That(task.Config.ReadyTimeout, Is.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { SupportsResume = false }).SupportsResume, Is.False);
    }

    [Test]
    public void Create_CopiesMutableParts()
    {
        var json = new JsonObject { ["model"] = "a/b" };
        var exclude = new List<string> { ".git" };
        var task = OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { OpencodeConfig = json, WorkdirExclude = exclude });

        json["model"] = "changed/x";
        exclude.Add("more");

        Assert.That(task.Config.OpencodeConfig!["model"]!.GetValue<string>(), Is.EqualTo("a/b"));
        Assert.That(task.Config.WorkdirExclude, Is.EqualTo(new[] { ".git" }));
    }

    [Test]
    public void Create_EmptyExcludeList_IsKept() =>
        Assert.That(OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { WorkdirExclude = [] }).Config.WorkdirExclude, Is.Empty);

    [Test]
    public void Create_InvalidField_NamesIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { ReadyTimeout = TimeSpan.Zero }));
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(OpencodeTaskConfig.ReadyTimeout)));
        Assert.That(ex.Message, Does.Contain("ReadyTimeout"));
    }

    [Test]
    public void Create_SeveralInvalidFields_ListsEveryProblem()
    {
        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig
        {
            Model = "no-slash",
            SnapshotRetention = 0,
            OpencodeExecutable = "relative/opencode",
            Ssh = new SshConfig("") { Port = 70000 },
            EncryptWorkdirBlob = true,
        }));

        Assert.That(ex!.Message, Does.Contain("Model").And.Contain("SnapshotRetention").And.Contain("OpencodeExecutable")
            .And.Contain("Ssh.Host").And.Contain("Ssh.Port").And.Contain("EncryptWorkdirBlob"));
    }

    [Test]
    public void Create_LocalTaskRootWithSsh_IsRejectedPointingAtTheRemoteTaskRoot()
    {
        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { Ssh = new SshConfig("build-7"), TaskRoot = "/srv/tasks" }));
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(OpencodeTaskConfig.TaskRoot)));
        Assert.That(ex.Message, Does.Contain("Ssh.RemoteTaskRoot"));
    }

    [Test]
    public void Create_ResumeDisabledWithCipher_IsRejected()
    {
        var cipher = new Moq.Mock<IBlobCipher>().Object;
        var ex = Assert.Throws<ArgumentException>(() => OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig { SupportsResume = false, SessionBlobCipher = cipher }));
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(OpencodeTaskConfig.SupportsResume)));
    }

    [Test]
    public void Execute_ContextForAnotherProcess_Throws()
    {
        var task = OpencodeTaskFactory.Create("j", "n", new OpencodeTaskConfig());
        Assert.Throws<ArgumentException>(() => task.ExecuteAsync(new ConsoleProcessContext("other", output: TextWriter.Null), CancellationToken.None));
    }

    [Test]
    public void BasicAuth_ToString_NeverShowsThePassword()
    {
        var auth = new BasicAuth("opencode", "s3cret-value");
        Assert.That(auth.ToString(), Does.Not.Contain("s3cret"));
        Assert.That($"{auth}", Does.Not.Contain("s3cret"));
        Assert.That(auth.ToHeaderValue(), Is.EqualTo("Basic " + Convert.ToBase64String("opencode:s3cret-value"u8.ToArray())));
    }
}
