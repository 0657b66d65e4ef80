using Opencode.Sessions.Launching;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeEnvironmentTests
{
    private const string TaskDir = "/data/tasks/p1";

    [Test]
    public void Build_IsolateHome_SetsDbBrowserAutoupdateHomeAndXdg()
    {
        var env = OpencodeEnvironment.Build(TaskDir, isolateHome: true, extra: null);

        Assert.That(env["OPENCODE_DB"], Is.EqualTo("/data/tasks/p1/opencode.db"));
        Assert.That(env["BROWSER"], Is.EqualTo("/data/tasks/p1/run/bin/xdg-open"));
        Assert.That(env["OPENCODE_DISABLE_AUTOUPDATE"], Is.EqualTo("1"));
        Assert.That(env["HOME"], Is.EqualTo("/data/tasks/p1/home"));
        Assert.That(env["XDG_CONFIG_HOME"], Is.EqualTo("/data/tasks/p1/home/.config"));
        Assert.That(env["XDG_DATA_HOME"], Is.EqualTo("/data/tasks/p1/home/.local/share"));
        Assert.That(env["XDG_CACHE_HOME"], Is.EqualTo("/data/tasks/p1/home/.cache"));
        Assert.That(env["XDG_STATE_HOME"], Is.EqualTo("/data/tasks/p1/home/.local/state"));
    }

    [Test]
    public void Build_NoIsolation_LeavesHomeAndXdgInherited()
    {
        var env = OpencodeEnvironment.Build(TaskDir, isolateHome: false, extra: null);

        Assert.That(env.Keys, Has.None.StartsWith("XDG_"));
        Assert.That(env.ContainsKey("HOME"), Is.False);
        Assert.That(env["OPENCODE_DB"], Is.EqualTo("/data/tasks/p1/opencode.db"));
    }

    [Test]
    public void Build_Paths_AllOutsideWorkdir()
    {
        var env = OpencodeEnvironment.Build(TaskDir, isolateHome: true, extra: null);

        Assert.That(env.Values.Where(v => v is not null && v.StartsWith('/')), Has.None.StartsWith(TaskDir + "/workdir"));
        Assert.That(OpencodeEnvironment.PasswordFile(TaskDir), Is.EqualTo("/data/tasks/p1/run/.opencode-password"));
    }

    [Test]
    public void Build_UserValues_WinExceptTheLibrarysOwnEntries()
    {
        var extra = new Dictionary<string, string?>
        {
            ["HOME"] = "/elsewhere",
            ["BROWSER"] = "firefox",
            ["OPENCODE_DISABLE_MODELS_FETCH"] = "1",
            ["OPENCODE_DISABLE_AUTOUPDATE"] = "0",
            ["XDG_CACHE_HOME"] = null,
            ["OPENCODE_SERVER_PASSWORD"] = "mine",
            ["OPENCODE_SERVER_USERNAME"] = "me",
        };

        var env = OpencodeEnvironment.Build(TaskDir, isolateHome: true, extra);

        Assert.That(env["HOME"], Is.EqualTo("/data/tasks/p1/home"), "the validator refuses it; the builder keeps the library's value anyway");
        Assert.That(env["BROWSER"], Is.EqualTo("/data/tasks/p1/run/bin/xdg-open"));
        Assert.That(env["OPENCODE_DISABLE_MODELS_FETCH"], Is.EqualTo("1"));
        Assert.That(env["OPENCODE_DISABLE_AUTOUPDATE"], Is.EqualTo("0"), "a default, not the library's own entry");
        Assert.That(env["XDG_CACHE_HOME"], Is.EqualTo("/data/tasks/p1/home/.cache"));
        Assert.That(env["OPENCODE_SERVER_PASSWORD"], Is.Null, "removed: only the launch script sets it, from the password file");
        Assert.That(env["OPENCODE_SERVER_USERNAME"], Is.Null);
    }

    [Test]
    public void Build_KeepList_NamesTheSetVariablesOnlyAndIsAbsentWhenInheriting()
    {
        var extra = new Dictionary<string, string?> { ["MY_KEY"] = "v", ["GONE"] = null };

        var keep = OpencodeEnvironment.Build(TaskDir, isolateHome: false, extra)[OpencodeEnvironment.KeepVariable]!.Split(' ');
        var inheriting = OpencodeEnvironment.Build(TaskDir, isolateHome: false, extra, inheritEnvironment: true);

        Assert.That(keep, Does.Contain("MY_KEY").And.Contain("OPENCODE_DB").And.Contain("HOME").And.Contain("XDG_CONFIG_HOME"));
        Assert.That(keep, Does.Not.Contain("GONE").And.Not.Contain("v").And.Not.Contain(OpencodeEnvironment.PasswordVariable));
        Assert.That(inheriting.ContainsKey(OpencodeEnvironment.KeepVariable), Is.False);
    }

    [Test]
    public void Build_TaskMarker_IsTheTaskDirectoryAndCannotBeOverridden()
    {
        var extra = new Dictionary<string, string?> { [LeftoverProcesses.MarkerVariable] = "/somewhere/else" };

        var env = OpencodeEnvironment.Build(TaskDir, isolateHome: false, extra);

        Assert.That(env[LeftoverProcesses.MarkerVariable], Is.EqualTo(TaskDir), "the agent's processes are found by it when the session ends");
    }

    [Test]
    public void ShellPrelude_Always_ShiftsRunDirAndPrependsStubsToPath()
    {
        Assert.That(OpencodeEnvironment.ShellPrelude, Does.Contain("run=$1; shift"));
        Assert.That(OpencodeEnvironment.ShellPrelude, Does.Contain("PATH=\"$run/bin:"));
        foreach (var name in OpencodeEnvironment.BrowserStubNames)
        {
            Assert.That(OpencodeEnvironment.ShellPrelude, Does.Contain(" " + name), name);
        }
    }
}
