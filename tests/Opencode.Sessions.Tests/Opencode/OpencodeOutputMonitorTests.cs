using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeOutputMonitorTests
{
    [TestCase("opencode server listening on http://127.0.0.1:4096", 4096)]
    [TestCase("opencode server listening on http://127.0.0.1:33195  ", 33195)]
    [TestCase("\u001b[0mopencode server listening on http://localhost:40001\u001b[0m", 40001)]
    public void TryParseReadyLine_ReadyLine_ReturnsPort(string line, int port)
    {
        Assert.That(OpencodeOutputMonitor.TryParseReadyLine(line, out var uri), Is.True);
        Assert.That(uri.Port, Is.EqualTo(port));
    }

    [TestCase("Warning: OPENCODE_SERVER_PASSWORD is not set; server is unsecured.")]
    [TestCase("opencode server listening on ")]
    [TestCase("opencode server listening on http://127.0.0.1")]
    [TestCase("opencode server listening on garbage")]
    [TestCase("Listening on http://127.0.0.1:4096/")]
    public void TryParseReadyLine_OtherLine_ReturnsFalse(string line)
    {
        Assert.That(OpencodeOutputMonitor.TryParseReadyLine(line, out _), Is.False);
    }

    [Test]
    public void OnLine_ReadyLineAfterOtherLines_CompletesReadyAndKeepsAllLines()
    {
        var monitor = new OpencodeOutputMonitor(NullLogger.Instance);

        monitor.OnLine("Warning: something");
        Assert.That(monitor.Ready.IsCompleted, Is.False);
        monitor.OnLine("opencode server listening on http://127.0.0.1:4321");
        monitor.OnLine("opencode server listening on http://127.0.0.1:9999");
        monitor.OnLine("later");

        Assert.That(monitor.Ready.IsCompletedSuccessfully, Is.True);
        Assert.That(monitor.Ready.Result.Port, Is.EqualTo(4321), "the first announcement wins");
        Assert.That(monitor.Tail(10), Is.EqualTo(new[] { "Warning: something", "opencode server listening on http://127.0.0.1:4321", "opencode server listening on http://127.0.0.1:9999", "later" }));
    }

    [Test]
    public void OnLine_ManyLines_KeepsOnlyTheLast200()
    {
        var monitor = new OpencodeOutputMonitor(NullLogger.Instance);
        for (var i = 0; i < 500; i++)
        {
            monitor.OnLine("line " + i);
        }

        var tail = monitor.Tail(1000);
        Assert.That(tail, Has.Count.EqualTo(OpencodeOutputMonitor.Capacity));
        Assert.That(tail[0], Is.EqualTo("line 300"));
        Assert.That(tail[^1], Is.EqualTo("line 499"));
    }
}
