using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class SshRemoteScriptTests
{
    [Test]
    public void Bootstrap_CarriesOnlyTheScriptLength() =>
        Assert.That(SshRemoteScript.Bootstrap(1234), Is.EqualTo("exec sh -c 'eval \"$(head -c 1234)\"'"));

    [Test]
    public void Guarded_QuotesEverythingAndArmsTheDeadManSwitch()
    {
        var command = new HostCommand("/bin/prog", ["it's", "$HOME"]);

        var script = SshRemoteScript.Guarded(command, "/w d", null, new Dictionary<string, string?> { ["A"] = "x'y", ["B"] = null }, null, mergeStandardError: true, "__m__");

        Assert.That(script, Does.Contain("cd -- '/w d' ||"));
        Assert.That(script, Does.Contain("export A='x'\\''y'\nunset B\n"));
        Assert.That(script, Does.Contain("setsid sh -c "));
        Assert.That(script, Does.Contain(" sh /bin/prog 'it'\\''s' '$HOME' 3<&- &"));
        Assert.That(script, Does.Contain("done; kill -KILL -\"$__ocs_p\""));
        Assert.That(script, Does.Contain("OPENCODE_SESSIONS_GUARD=__m__ setsid sh -c "), "descendants inherit the guard entry");
        Assert.That(script, Does.Contain("grep -slzFx -e OPENCODE_SESSIONS_GUARD=__m__ /proc/[0-9]*/environ"), "…by which the switch finds them");
        Assert.That(script, Does.EndWith("printf '%s exit %s\\n' __m__ \"$__ocs_s\" >&2\nexit \"$__ocs_s\"\n"));
    }

    [Test]
    public void Guarded_InvalidVariableNameOrNul_Throws()
    {
        var command = new HostCommand("true", []);

        Assert.Throws<ArgumentException>(() => SshRemoteScript.Guarded(command, null, null, new Dictionary<string, string?> { ["A-B"] = "x" }, null, false, "m"));
        Assert.Throws<ArgumentException>(() => SshRemoteScript.Guarded(new HostCommand("echo", ["a\0b"]), null, null, null, null, false, "m"));
    }

    [TestCase("__m__ exit 3", "", "exit", 3)]
    [TestCase("partial stderr__m__ exit 143", "partial stderr", "exit", 143)]
    [TestCase("__m__ pid 4242\n", "", "pid", 4242)]
    [TestCase("__m__ nodir\n", "", "nodir", 0)]
    public void TryParseMarkerLine_SplitsTextFromReport(string line, string prefix, string kind, int value)
    {
        Assert.That(SshRemoteScript.TryParseMarkerLine(line, "__m__", out var p, out var k, out var v), Is.True);
        Assert.That((p, k, v), Is.EqualTo((prefix, kind, value)));
    }

    [Test]
    public void TryParseMarkerLine_OrdinaryLine_IsNotAReport() =>
        Assert.That(SshRemoteScript.TryParseMarkerLine("exit 3\n", "__m__", out _, out _, out _), Is.False);

    [Test]
    public void NewMarker_IsRandom() =>
        Assert.That(SshRemoteScript.NewMarker(), Is.Not.EqualTo(SshRemoteScript.NewMarker()));
}
