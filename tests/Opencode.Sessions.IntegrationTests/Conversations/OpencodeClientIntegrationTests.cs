using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Conversations;

/// <summary>The typed client and its event stream against real opencode 1.18.33.</summary>
[TestFixture]
[NonParallelizable]
public sealed class OpencodeClientIntegrationTests : ScriptedOpencodeFixture
{
    [Test, CancelAfter(120_000)]
    public async Task SessionRoutes_CreateGetUpdateListDelete_RoundTrip(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("crud");
        using var client = Opencode.Client(directory);

        var health = await client.GetHealthAsync(cancellationToken);
        var created = await client.CreateSessionAsync(
            new CreateSessionRequest
            {
                Title = "crud",
                Permission = [new PermissionRule("webfetch", "*", PermissionAction.Deny)],
                Metadata = new System.Text.Json.Nodes.JsonObject { ["record"] = "42" },
            },
            cancellationToken);
        var child = await client.CreateSessionAsync(new CreateSessionRequest { Title = "child", ParentId = created.Id }, cancellationToken);
        var fetched = await client.GetSessionAsync(created.Id, cancellationToken);
        var renamed = await client.UpdateSessionAsync(created.Id, new UpdateSessionRequest { Title = "renamed" }, cancellationToken);
        var listed = await client.ListSessionsAsync(cancellationToken);
        var children = await client.GetChildSessionsAsync(created.Id, cancellationToken);
        var messages = await client.GetMessagesAsync(created.Id, cancellationToken);
        var questions = await client.ListQuestionsAsync(cancellationToken);
        var deleted = await client.DeleteSessionAsync(created.Id, cancellationToken);

        Assert.That(health.Healthy, Is.True);
        Assert.That(health.Version, Is.EqualTo("1.18.33"));
        Assert.That(created.Id, Does.StartWith("ses_"));
        Assert.That(created.Directory, Is.EqualTo(directory));
        Assert.That(fetched.Title, Is.EqualTo("crud"));
        Assert.That(renamed.Title, Is.EqualTo("renamed"));
        Assert.That(listed.Select(s => s.Id), Does.Contain(created.Id));
        Assert.That(children.Select(s => s.Id), Is.EqualTo(new[] { child.Id }));
        Assert.That(child.ParentId, Is.EqualTo(created.Id));
        Assert.That(messages, Is.Empty);
        Assert.That(questions, Is.Empty);
        Assert.That(deleted, Is.True);
        var error = await Assert.ThrowsAsync<OpencodeSessionNotFoundException>(() => client.GetSessionAsync(created.Id, cancellationToken));
        Assert.That(error!.ServerMessage, Does.Contain(created.Id));
    }

    [Test, CancelAfter(120_000)]
    public async Task Requests_WrongPasswordOrMalformedId_MapToTypedErrorsWithServerMessage(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("errors");
        using var wrong = new OpencodeClient(new OpencodeClientOptions { BaseAddress = Opencode.Server.HostBaseUri, Credentials = new BasicAuth("opencode", "wrong") });
        using var client = Opencode.Client(directory);

        var unauthorized = await Assert.ThrowsAsync<OpencodeBadRequestException>(() => wrong.GetHealthAsync(cancellationToken));
        // Measured on 1.18.33: an id without the ses_ prefix fails schema decoding with a 500, not a 400.
        var badId = await Assert.ThrowsAsync<OpencodeServerException>(() => client.GetSessionAsync("not-a-session-id", cancellationToken));

        Assert.That(unauthorized!.StatusCode, Is.EqualTo(401));
        Assert.That(unauthorized.Message, Does.Not.Contain("wrong"));
        Assert.That(badId!.StatusCode, Is.EqualTo(500));
        Assert.That(badId.ServerMessage, Is.Not.Empty);
    }

    [Test, CancelAfter(120_000)]
    public async Task StreamSessionEventsAsync_RealTurn_TypedEventsEndAtIdleAndPromptIsPostedOnce(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("stream");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Bash("echo hi"), ScriptedReply.Text("All done."));
        using var client = Opencode.Client(directory);
        var session = await client.CreateSessionAsync(new CreateSessionRequest { Title = "stream" }, cancellationToken);
        var posts = 0;
        var options = new SessionStreamOptions
        {
            OnSubscribed = async ct =>
            {
                Interlocked.Increment(ref posts);
                await client.SendPromptAsync(session.Id, PromptRequest.FromText("Say hi."), ct);
            },
            FirstEventTimeout = TimeSpan.FromSeconds(60),
        };

        var events = new List<OpencodeEvent>();
        await foreach (var e in client.StreamSessionEventsAsync(session.Id, options, cancellationToken))
        {
            events.Add(e);
        }

        Assert.That(posts, Is.EqualTo(1));
        Assert.That(events[0], Is.TypeOf<ServerConnectedEvent>());
        Assert.That(events[^1].IsTerminal, Is.True);
        Assert.That(events.OfType<MessagePartDeltaEvent>().Select(d => d.Delta), Is.Not.Empty);
        Assert.That(events.OfType<MessagePartUpdatedEvent>().Select(u => u.Part).Where(p => p.Type == "tool").Select(p => p.State!.Status), Does.Contain("completed"));
        Assert.That(events.Where(e => !e.IsServerEvent).Select(e => e.SessionId), Is.All.EqualTo(session.Id));
        var messages = await client.GetMessagesAsync(session.Id, cancellationToken);
        Assert.That(messages.Last().Parts.Last(p => p.Type == "text").Text, Is.EqualTo("All done."));
        Assert.That(messages.Last().Info.Finish, Is.EqualTo("stop"));
    }

    [Test, CancelAfter(120_000)]
    public async Task SendMessageAsync_Blocking_ReturnsLastAssistantMessage(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("blocking");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Text("Blocking answer."));
        using var client = Opencode.Client(directory);
        var session = await client.CreateSessionAsync(new CreateSessionRequest { Title = "blocking", Model = OpencodeModel.Parse(Opencode.Model.Model) }, cancellationToken);

        var answer = await client.SendMessageAsync(session.Id, PromptRequest.FromText("Answer.") with { Model = OpencodeModel.Parse(Opencode.Model.Model) }, cancellationToken);

        Assert.That(answer.Info.IsAssistant, Is.True);
        Assert.That(answer.Parts.Single(p => p.Type == "text").Text, Is.EqualTo("Blocking answer."));
        Assert.That(await client.GetSessionStatusAsync(cancellationToken), Does.Not.ContainKey(session.Id));
    }
}
