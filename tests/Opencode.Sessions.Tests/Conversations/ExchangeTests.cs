using System.Text;
using System.Text.Json;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Tests.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

public sealed class ExchangeTests
{
    private static OpencodePart Tool(string tool, string status, string input, string? metadata = null) => new()
    {
        Type = "tool",
        Tool = tool,
        MessageId = "msg_1",
        SessionId = "ses_1",
        State = new OpencodeToolState
        {
            Status = status,
            Input = JsonDocument.Parse(input).RootElement,
            Metadata = metadata is null ? null : JsonDocument.Parse(metadata).RootElement,
        },
    };

    private static OpencodeMessage Assistant(params OpencodePart[] parts) => new() { Info = new OpencodeMessageInfo { Role = "assistant" }, Parts = parts };

    [Test]
    public void ToolArtifacts_CompletedWrites_DedupedFilteredAndTyped()
    {
        var logger = new ListLogger();
        var exchange = new Exchange(
            [
                new OpencodeMessage { Info = new OpencodeMessageInfo { Role = "user" }, Parts = [Tool("write", "completed", """{"filePath":"/w/user.txt","content":"no"}""")] },
                Assistant(
                    Tool("write", "completed", """{"filePath":"/w/out/report.md","content":"# R"}"""),
                    Tool("write", "completed", """{"filePath":"/w/other/report.md","content":"second"}"""),
                    Tool("write", "running", """{"filePath":"/w/running.txt","content":"x"}"""),
                    Tool("write", "completed", """{"filePath":"/w/blank.txt","content":""}"""),
                    Tool("write", "completed", """{"filePath":"/w/owned.html","content":"<p>"}"""),
                    Tool("apply_patch", "completed", "{}", """{"files":[{"relativePath":"a.cs","type":"update"},{"relativePath":"b.cs","type":"delete"}]}"""),
                    Tool("apply_patch", "completed", "{}", """{"files":[{"relativePath":"gone.cs","type":"delete"}]}""")),
            ],
            logger);

        var artifacts = exchange.ToolArtifacts(exclude: ["owned.html"]);

        Assert.That(artifacts.Select(a => a.FileName), Is.EqualTo(new[] { "report.md" }));
        Assert.That(Encoding.UTF8.GetString(artifacts[0].Content.Span), Is.EqualTo("# R"));
        Assert.That(artifacts[0].ContentType, Is.EqualTo("text/markdown"));
        var dropped = logger.Entries.Where(e => e.EventId.Id == 1460).ToList();
        Assert.That(dropped, Has.Count.EqualTo(1));
        Assert.That(dropped[0].Message, Does.Contain("1 file(s) (a.cs)"));
    }
}
