using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeServerOptionsTests
{
    private static readonly string ExistingDirectory = Path.GetTempPath();

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        var valid = new OpencodeServerOptions { WorkingDirectory = ExistingDirectory };
        yield return new TestCaseData(valid with { WorkingDirectory = "" }, "WorkingDirectory", "must be set").SetName("WorkingDirectory empty");
        yield return new TestCaseData(valid with { WorkingDirectory = "/nonexistent/ocs-" + Guid.NewGuid().ToString("N") }, "WorkingDirectory", "existing directory").SetName("WorkingDirectory missing");
        yield return new TestCaseData(valid with { OpencodeVersion = "latest" }, "OpencodeVersion", "exact version").SetName("OpencodeVersion not exact");
        yield return new TestCaseData(valid with { OpencodeVersion = "1.2.3; rm -rf /" }, "OpencodeVersion", "exact version").SetName("OpencodeVersion with shell");
        yield return new TestCaseData(valid with { OpencodeExecutable = "bin/opencode" }, "OpencodeExecutable", "absolute path").SetName("OpencodeExecutable relative");
        yield return new TestCaseData(valid with { OpencodeInstallDir = "cache" }, "OpencodeInstallDir", "absolute path").SetName("OpencodeInstallDir relative");
        yield return new TestCaseData(valid with { StateDirectory = "state" }, "StateDirectory", "absolute path").SetName("StateDirectory relative");
        yield return new TestCaseData(valid with { Model = "gpt" }, "Model", "provider/model").SetName("Model without provider");
        yield return new TestCaseData(valid with { Environment = new Dictionary<string, string?> { ["1BAD"] = "x" } }, "Environment", "invalid variable name '1BAD'").SetName("Environment bad name");
        yield return new TestCaseData(valid with { ReadyTimeout = TimeSpan.Zero }, "ReadyTimeout", "must be positive").SetName("ReadyTimeout zero");
        yield return new TestCaseData(valid with { ShutdownGracePeriod = TimeSpan.FromSeconds(-1) }, "ShutdownGracePeriod", "must not be negative").SetName("ShutdownGracePeriod negative");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public async Task StartAsync_InvalidField_ThrowsArgumentExceptionNamingIt(OpencodeServerOptions options, string field, string problem)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => OpencodeServer.StartAsync(options));

        Assert.That(ex!.ParamName, Is.EqualTo(field));
        Assert.That(ex.Message, Does.StartWith($"OpencodeServerOptions.{field} ").And.Contain(problem));
    }

    [TestCase("OPENCODE_SERVER_PASSWORD")]
    [TestCase("OPENCODE_SERVER_USERNAME")]
    [TestCase("OPENCODE_DB")]
    [TestCase("OPENCODE_CONFIG")]
    [TestCase("BROWSER")]
    [TestCase("HOME")]
    [TestCase("XDG_DATA_HOME")]
    [TestCase("OPENCODE_SESSIONS_TASK_DIRECTORY")]
    [TestCase("OPENCODE_SESSIONS_ANYTHING")]
    public async Task StartAsync_ReservedEnvironmentName_Refused(string name)
    {
        var options = new OpencodeServerOptions { WorkingDirectory = ExistingDirectory, Environment = new Dictionary<string, string?> { [name] = null } };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => OpencodeServer.StartAsync(options));

        Assert.That(ex!.ParamName, Is.EqualTo("Environment"));
        Assert.That(ex.Message, Does.Contain($"must not set or unset '{name}'"));
    }

    [Test]
    public async Task StartAsync_SeveralProblems_ListsEveryOne()
    {
        var options = new OpencodeServerOptions { WorkingDirectory = "", OpencodeVersion = "x", ReadyTimeout = TimeSpan.Zero };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => OpencodeServer.StartAsync(options));

        Assert.That(ex!.Message, Does.Contain("3 problems")
            .And.Contain("- OpencodeServerOptions.WorkingDirectory must be set.")
            .And.Contain("- OpencodeServerOptions.OpencodeVersion must be an exact version")
            .And.Contain("- OpencodeServerOptions.ReadyTimeout must be positive."));
    }

    [Test]
    public async Task StartAsync_NullOptions_ThrowsArgumentNullException()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => OpencodeServer.StartAsync(null!));
    }

    [Test]
    public void Defaults_MatchTheTaskDefaults()
    {
        var options = new OpencodeServerOptions { WorkingDirectory = "/w" };
        var task = new OpencodeTaskConfig();

        Assert.That(options.ReadyTimeout, Is.EqualTo(task.ReadyTimeout).And.EqualTo(TimeSpan.FromSeconds(120)));
        Assert.That(options.ShutdownGracePeriod, Is.EqualTo(task.ShutdownGracePeriod));
        Assert.That(options.OpencodeVersion, Is.EqualTo(OpencodeTaskConfig.DefaultOpencodeVersion));
        Assert.That(options.InstallIfMissing, Is.True);
        Assert.That(options.Offline, Is.False);
        Assert.That(options.InheritEnvironment, Is.False);
        Assert.That(options.StateDirectory, Is.Null);
    }

    [Test]
    public void BuildEnvironment_Offline_SetsTheSwitchesButConfiguredValuesWin()
    {
        var options = new OpencodeServerOptions
        {
            WorkingDirectory = "/w",
            Offline = true,
            Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_SHARE"] = "0", ["API_KEY"] = "k" },
        };

        var env = OpencodeServer.BuildEnvironment("/s/opencode", "/s/opencode/opencode.json", options);

        Assert.That(env["OPENCODE_DISABLE_MODELS_FETCH"], Is.EqualTo("1"));
        Assert.That(env["OPENCODE_DISABLE_LSP_DOWNLOAD"], Is.EqualTo("1"));
        Assert.That(env["OPENCODE_DISABLE_SHARE"], Is.EqualTo("0"));
        Assert.That(env["OPENCODE_DISABLE_AUTOUPDATE"], Is.EqualTo("1"));
        Assert.That(env["OPENCODE_CONFIG"], Is.EqualTo("/s/opencode/opencode.json"));
        Assert.That(env["API_KEY"], Is.EqualTo("k"));
        Assert.That(env["HOME"], Is.EqualTo("/s/opencode/home"));
        Assert.That(env["XDG_CONFIG_HOME"], Is.EqualTo("/s/opencode/home/.config"));
        Assert.That(env["OPENCODE_DB"], Is.EqualTo("/s/opencode/opencode.db"));
        Assert.That(env["OPENCODE_SERVER_PASSWORD"], Is.Null, "only the launch script sets it, from the password file");
        Assert.That(env["OPENCODE_SESSIONS_KEEP_ENVIRONMENT"]!.Split(' '), Is.SupersetOf(new[] { "API_KEY", "OPENCODE_CONFIG", "OPENCODE_DISABLE_MODELS_FETCH", "HOME" }));
    }

    [Test]
    public void BuildEnvironment_NotOffline_SetsNoSwitchButAutoupdate()
    {
        var env = OpencodeServer.BuildEnvironment("/s/opencode", "/s/opencode/opencode.json", new OpencodeServerOptions { WorkingDirectory = "/w" });

        Assert.That(env.Keys, Has.None.EqualTo("OPENCODE_DISABLE_MODELS_FETCH").And.None.EqualTo("OPENCODE_DISABLE_SHARE"));
        Assert.That(env["OPENCODE_DISABLE_AUTOUPDATE"], Is.EqualTo("1"));
    }

    [Test]
    public void BuildEnvironment_InheritEnvironment_HasNoKeepList()
    {
        var env = OpencodeServer.BuildEnvironment("/s/opencode", "/s/opencode/opencode.json", new OpencodeServerOptions { WorkingDirectory = "/w", InheritEnvironment = true });

        Assert.That(env.ContainsKey("OPENCODE_SESSIONS_KEEP_ENVIRONMENT"), Is.False);
    }
}
