using System.Text.Json.Nodes;
using Opencode.Sessions.Conversations;
using static Opencode.Sessions.Tests.Conversations.EventFactory;

namespace Opencode.Sessions.Tests.Conversations;

public sealed class ReplyTests
{
    private static (Reply Reply, RecordingObserver Observer) Create()
    {
        var observer = new RecordingObserver();
        return (new Reply().AddObserver(observer), observer);
    }

    [Test]
    public void Apply_DeltasThenFinalText_BuildsTextPartAndNotifies()
    {
        var (reply, observer) = Create();

        reply.Apply(TextUpdated("prt_1", ""));
        reply.Apply(Delta("prt_1", "Hel"));
        reply.Apply(Delta("prt_1", "lo"));
        reply.Apply(Delta("prt_1", ""));
        reply.Apply(TextUpdated("prt_1", "Hello"));

        Assert.That(reply.Parts.Single().Content, Is.EqualTo("Hello"));
        Assert.That(reply.FirstTextSeen, Is.True);
        Assert.That(observer.Calls, Is.EqualTo(new[] { "added 0 Text", "changed 0 Hel", "changed 0 lo", "finalized 0" }));
    }

    [Test]
    public void Apply_FinalTextDiffersFromDeltas_AuthoritativeTextWins()
    {
        var (reply, _) = Create();

        reply.Apply(Delta("prt_1", "Hel"));
        reply.Apply(TextUpdated("prt_1", "Hello world"));

        Assert.That(reply.Result.FullText, Is.EqualTo("Hello world"));
    }

    [Test]
    public void Apply_UpdatedWithoutDeltas_AppendsWholePart()
    {
        var (reply, observer) = Create();

        reply.Apply(TextUpdated("prt_r", "thinking", "reasoning"));
        reply.Apply(TextUpdated("prt_t", "answer"));

        Assert.That(reply.Result.ReasoningText, Is.EqualTo("thinking"));
        Assert.That(reply.Result.FullText, Is.EqualTo("answer"));
        Assert.That(observer.Calls, Is.EqualTo(new[] { "added 0 Reasoning", "added 1 Text" }));
    }

    [Test]
    public void Apply_DeltaForPartKnownAsReasoning_KeepsReasoningType()
    {
        var (reply, _) = Create();

        reply.Apply(TextUpdated("prt_r", "", "reasoning"));
        reply.Apply(Delta("prt_r", "hmm", field: "text"));

        Assert.That(reply.Parts.Single().Kind, Is.EqualTo(ReplyPartKind.Reasoning));
        Assert.That(reply.FirstTextSeen, Is.False);
    }

    [Test]
    public void Apply_ToolLifecycle_MergesStateAndKeepsNameWhenInvalid()
    {
        var (reply, observer) = Create();

        reply.Apply(Tool("prt_t", "bash", "pending", new JsonObject { ["input"] = new JsonObject() }));
        reply.Apply(Tool("prt_t", "bash", "running", new JsonObject { ["input"] = new JsonObject { ["command"] = "ls" }, ["title"] = "ls" }));
        reply.Apply(Tool("prt_t", "invalid", "error", new JsonObject { ["error"] = new string('e', 300), ["output"] = "" }));

        var part = reply.Parts.Single();
        Assert.That(part.Tool, Is.EqualTo("bash"));
        Assert.That(part.Status, Is.EqualTo("error"));
        Assert.That(part.Title, Is.EqualTo("ls"));
        Assert.That(part.Input!["command"]!.GetValue<string>(), Is.EqualTo("ls"));
        Assert.That(part.Error, Has.Length.EqualTo(200));
        Assert.That(part.CallId, Is.EqualTo("call_1"));
        Assert.That(part.MessageId, Is.EqualTo("msg_1"));
        Assert.That(reply.Result.ToolParts, Has.Count.EqualTo(1));
        Assert.That(observer.Calls, Is.EqualTo(new[] { "added 0 Tool", "tool 0 bash pending", "tool 0 bash running", "tool 0 bash error" }));
    }

    [Test]
    public void Apply_StepFinishes_SumsCostAndTokens()
    {
        var (reply, observer) = Create();

        reply.Apply(StepFinish(0.25, 10, 5));
        reply.Apply(StepFinish(0.5, 1, 2));

        Assert.That(reply.TotalCost, Is.EqualTo(0.75));
        Assert.That(reply.TotalInputTokens, Is.EqualTo(11));
        Assert.That(reply.TotalOutputTokens, Is.EqualTo(7));
        Assert.That(observer.Calls, Is.EqualTo(new[] { "step 0.25", "step 0.5" }));
    }

    [Test]
    public void Apply_TodoUpdatedWithoutTodoTool_AppendsStreamOnlyPartWithCanonicalStatus()
    {
        var (reply, observer) = Create();

        reply.Apply(Todos(("Plan", "in-progress"), ("Ship", "pending")));

        var part = reply.Parts.Single();
        Assert.That(part.IsStreamOnly, Is.True);
        Assert.That(part.Tool, Is.EqualTo("todowrite"));
        Assert.That(part.Input!["todos"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("in_progress"));
        Assert.That(observer.Calls, Is.EqualTo(new[] { "todos in_progress,pending", "added 0 Tool" }));
    }

    [Test]
    public void Apply_TodoUpdatedWithTodoTool_MergesIntoItsInput()
    {
        var (reply, _) = Create();
        reply.Apply(Tool("prt_t", "todowrite", "running", new JsonObject { ["input"] = new JsonObject { ["keep"] = 1 }, ["title"] = "2 todos" }));

        reply.Apply(Todos(("Plan", "completed")));

        var part = reply.Parts.Single();
        Assert.That(part.IsStreamOnly, Is.False);
        Assert.That(part.Title, Is.EqualTo("2 todos"));
        Assert.That(part.Input!["keep"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(part.Input["todos"]!.AsArray(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Apply_QuestionAskedBeforeToolPart_ParksAndMergesPayloadLater()
    {
        var (reply, observer) = Create();
        var asked = Parse("question.asked", new JsonObject
        {
            ["id"] = "que_1",
            ["sessionID"] = "ses_1",
            ["questions"] = new JsonArray(new JsonObject { ["question"] = "Which?" }),
            ["tool"] = new JsonObject { ["messageID"] = "msg_1", ["callID"] = "call_q" },
        });

        reply.Apply(asked);
        Assert.That(reply.IsWaitingForReply, Is.True);
        reply.Apply(Tool("prt_q", "question", "running", callId: "call_q"));

        var input = reply.Parts.Single().Input!;
        Assert.That(input["opencode_request_id"]!.GetValue<string>(), Is.EqualTo("que_1"));
        Assert.That(input["opencode_call_id"]!.GetValue<string>(), Is.EqualTo("call_q"));
        Assert.That(input["questions"]![0]!["question"]!.GetValue<string>(), Is.EqualTo("Which?"));

        reply.Apply(Parse("question.replied", new JsonObject { ["sessionID"] = "ses_1", ["requestID"] = "que_1", ["answers"] = new JsonArray() }));
        Assert.That(reply.IsWaitingForReply, Is.False);
        Assert.That(observer.Calls, Does.Contain("question que_1").And.Contain("resolved que_1 False True"));
    }

    [Test]
    public void Apply_PermissionAskedAndReplied_TogglesWaiting()
    {
        var (reply, observer) = Create();

        reply.Apply(Parse("permission.asked", new JsonObject { ["id"] = "per_1", ["sessionID"] = "ses_1", ["permission"] = "bash", ["patterns"] = new JsonArray("ls") }));
        Assert.That(reply.IsWaitingForReply, Is.True);
        reply.Apply(Parse("permission.replied", new JsonObject { ["sessionID"] = "ses_1", ["requestID"] = "per_1", ["reply"] = "once" }));

        Assert.That(reply.IsWaitingForReply, Is.False);
        Assert.That(observer.Calls, Is.EqualTo(new[] { "permission per_1", "permitted per_1 once" }));
    }

    [Test]
    public void Apply_SessionRetryAndError_Notify()
    {
        var (reply, observer) = Create();

        reply.Apply(Parse("session.status", new JsonObject { ["sessionID"] = "ses_1", ["status"] = new JsonObject { ["type"] = "retry", ["attempt"] = 2, ["message"] = "rate limited" } }));
        reply.Apply(Parse("session.error", new JsonObject { ["sessionID"] = "ses_1", ["error"] = new JsonObject { ["name"] = "APIError", ["data"] = new JsonObject { ["message"] = "boom" } } }));
        reply.Apply(Parse("something.new", new JsonObject()));

        Assert.That(observer.Calls, Is.EqualTo(new[] { "retry 2 rate limited", "error APIError: boom" }));
    }

    [Test]
    public void Apply_ObserverThrows_ReplyContinuesAndOtherObserversRun()
    {
        var reply = new Reply();
        var second = new RecordingObserver();
        reply.AddObserver(new ThrowingObserver()).AddObserver(second);

        reply.Apply(Delta("prt_1", "Hi"));

        Assert.That(reply.Result.FullText, Is.EqualTo("Hi"));
        Assert.That(second.Calls, Is.EqualTo(new[] { "added 0 Text", "changed 0 Hi" }));
    }

    [Test]
    public void Distill_MixedParts_JoinsTextAndReasoningAndKeepsTerminalTools()
    {
        var parts = new[]
        {
            ReplyPart.CreateReasoning("r1"),
            ReplyPart.CreateText("a"),
            ReplyPart.CreateTool("bash", "running"),
            ReplyPart.CreateTool("read", "completed"),
            ReplyPart.CreateText("b"),
        };

        var result = Reply.Distill(parts);

        Assert.That(result.FullText, Is.EqualTo("a\n\nb"));
        Assert.That(result.ReasoningText, Is.EqualTo("r1"));
        Assert.That(result.ToolParts.Select(p => p.Tool), Is.EqualTo(new[] { "read" }));
        Assert.That(result.PartsToJson().ToJsonString(), Does.StartWith("""[{"type":"reasoning","content":"r1"},{"type":"text","content":"a"},{"type":"tool","tool":"bash","status":"running"}"""));
    }

    [Test]
    public void SyncRecoveredParts_NewAndChangedParts_NotifiesWithoutDeleting()
    {
        var (reply, observer) = Create();
        reply.Apply(Delta("prt_1", "partial"));
        reply.Apply(Delta("prt_2", "keep"));
        observer.Calls.Clear();

        reply.SyncRecoveredParts([ReplyPart.CreateText("partial answer")]);
        reply.SyncRecoveredParts([ReplyPart.CreateText("partial answer"), ReplyPart.CreateText("keep"), ReplyPart.CreateTool("bash", "completed")]);

        Assert.That(reply.Parts, Has.Count.EqualTo(3));
        Assert.That(observer.Calls, Is.EqualTo(new[] { "finalized 0", "added 2 Tool", "tool 2 bash completed" }));
    }

    [Test]
    public void ReplaceParts_Recovery_ResetsTotalsAndIds()
    {
        var (reply, observer) = Create();
        reply.Apply(Delta("prt_1", "x"));
        reply.Apply(StepFinish(1, 1, 1));

        reply.ReplaceParts([ReplyPart.CreateText("recovered")]);
        reply.Apply(Delta("prt_1", "y"));

        Assert.That(reply.TotalCost, Is.Zero);
        Assert.That(reply.Parts.Select(p => p.Content), Is.EqualTo(new[] { "recovered", "y" }));
    }

    [Test]
    public void InjectPart_DoesNotNotify()
    {
        var (reply, observer) = Create();

        Assert.That(reply.InjectPart(ReplyPart.CreateText("notice")), Is.EqualTo(0));
        Assert.That(observer.Calls, Is.Empty);
    }

    [Test]
    public void ReplyPart_JsonRoundTrip_PreservesToolFields()
    {
        var part = ReplyPart.CreateTool("edit", "completed", new JsonObject { ["filePath"] = "/a.md" }, "ok", new JsonObject { ["diff"] = "+x" }, "a.md");

        var copy = ReplyPart.FromJson(part.ToJson());

        Assert.That(copy.SameAs(part), Is.True);
        Assert.That(copy.Metadata!["diff"]!.GetValue<string>(), Is.EqualTo("+x"));
    }

    private sealed class ThrowingObserver : ReplyObserver
    {
        public override void OnPartAdded(ReplyPart part, int index) => throw new InvalidOperationException("ui broke");
    }
}
