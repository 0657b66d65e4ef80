using System.Text.Json;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

public sealed class ExchangePartsTests
{
    private static OpencodeMessage User(string text) => new()
    {
        Info = new OpencodeMessageInfo { Id = "msg_u", Role = "user" },
        Parts = [new OpencodePart { Id = "p", Type = "text", Text = text }],
    };

    private static OpencodeMessage Assistant(string finish, params OpencodePart[] parts) => new()
    {
        Info = new OpencodeMessageInfo { Id = "msg_a", Role = "assistant", Finish = finish, Cost = 0.5, Time = new OpencodeTime { Created = 1, Completed = 2 }, Tokens = new OpencodeTokens { Input = 3, Output = 4 } },
        Parts = parts,
    };

    private static OpencodePart Text(string text) => new() { Id = "t", Type = "text", Text = text };

    private static OpencodePart BashTool(string status) => new()
    {
        Id = "b",
        Type = "tool",
        Tool = "bash",
        CallId = "call_1",
        State = new OpencodeToolState { Status = status, Input = JsonDocument.Parse("""{"command":"ls"}""").RootElement, Output = "x" },
    };

    [Test]
    public void CurrentExchange_RepeatedQuestion_PicksNewestMatchAtOrAfterPreTurnCount()
    {
        var messages = new[] { User("hi"), Assistant("stop", Text("old")), User("hi"), Assistant("tool-calls", BashTool("completed")), Assistant("stop", Text("new")) };

        var exchange = ExchangeParts.CurrentExchange(messages, 2, "hi");

        Assert.That(exchange, Has.Count.EqualTo(2));
        Assert.That(ExchangeParts.Flatten(exchange).Select(p => p.Kind), Is.EqualTo(new[] { ReplyPartKind.Tool, ReplyPartKind.Text }));
        Assert.That(ExchangeParts.Usage(exchange).Cost, Is.EqualTo(1.0));
        Assert.That(ExchangeParts.Usage(exchange).Tokens.Output, Is.EqualTo(8));
    }

    [Test]
    public void CurrentExchange_NoUserMessageAfterCount_IsEmpty()
    {
        Assert.That(ExchangeParts.CurrentExchange([User("hi"), Assistant("stop", Text("a"))], 2, "hi"), Is.Empty);
    }

    [Test]
    public void Flatten_NonTerminalToolsAndStepParts_AreDropped()
    {
        var message = Assistant("stop", new OpencodePart { Id = "s", Type = "step-start" }, BashTool("running"), BashTool("completed"), Text("done"));

        var parts = ExchangeParts.Flatten([message]);

        Assert.That(parts.Select(p => p.ToString()), Is.EqualTo(new[] { "tool bash (completed)", "Text: done" }));
    }

    [Test]
    public void Merge_MultiAssistantToolLoop_KeepsStreamOnlyTodoAndDoesNotDuplicateText()
    {
        var todo = ReplyPart.CreateTool("todowrite", "completed", metadata: new System.Text.Json.Nodes.JsonObject { ["source"] = ReplyPart.TodoUpdatedSource });
        var streamed = new[] { ReplyPart.CreateTool("bash", "running"), todo, ReplyPart.CreateText("All") };
        var wire = new[] { ReplyPart.CreateTool("bash", "completed"), ReplyPart.CreateText("All done."), ReplyPart.CreateText("extra") };

        var merged = ExchangeParts.Merge(streamed, wire);

        Assert.That(merged.Select(p => p.ToString()), Is.EqualTo(new[] { "tool bash (completed)", "tool todowrite (completed)", "Text: All done.", "Text: extra" }));
    }

    [Test]
    public void Merge_MoreStreamedThanWire_DropsSurplus()
    {
        var merged = ExchangeParts.Merge([ReplyPart.CreateText("a"), ReplyPart.CreateText("b")], [ReplyPart.CreateText("A")]);

        Assert.That(merged.Select(p => p.Content), Is.EqualTo(new[] { "A" }));
    }

    [TestCase("tool-calls", true, true)]
    [TestCase("stop", false, true)]
    [TestCase("stop", true, false)]
    public void ShowsMoreWork_FinishAndCompletion_Expected(string finish, bool completed, bool expected)
    {
        var message = Assistant(finish, Text("x"));
        message = message with { Info = message.Info with { Time = new OpencodeTime { Created = 1, Completed = completed ? 2 : null } } };

        Assert.That(ExchangeParts.ShowsMoreWork([message]), Is.EqualTo(expected));
    }
}
