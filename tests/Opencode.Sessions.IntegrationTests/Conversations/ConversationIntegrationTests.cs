using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Conversations;

/// <summary>Turns and the session lifecycle against real opencode 1.18.33 and the scripted model.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ConversationIntegrationTests : ScriptedOpencodeFixture
{
    private static TurnOptions Options => new()
    {
        FirstEventTimeout = TimeSpan.FromSeconds(60),
        StreamTimeout = TimeSpan.FromSeconds(90),
        FinalExchangePollInterval = TimeSpan.FromMilliseconds(200),
        FinalExchangeTimeout = TimeSpan.FromSeconds(90),
    };

    [Test, CancelAfter(120_000)]
    public async Task SendAsync_BashToolThenText_CompletesWithToolPartAndText(CancellationToken cancellationToken)
    {
        // Arrange
        var directory = Opencode.NewDirectory("bash");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Bash("echo DONE > done.txt", "write a marker"), ScriptedReply.Text("The marker is written."));
        using var client = Opencode.Client(directory);
        var session = new ConversationSession(client, new InMemorySessionRecord("bash"), new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "bash turn" } });
        var observed = new List<string>();

        // Act
        var result = await session.SendAsync("Write the marker.", Options with { Observers = [new Recorder(observed)] }, cancellationToken);

        // Assert
        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed), $"{result.Exception}\n{Opencode.Output}");
        Assert.That(result.Text, Is.EqualTo("The marker is written."));
        var tool = result.ToolParts.Single();
        Assert.That(tool.Tool, Is.EqualTo("bash"));
        Assert.That(tool.Status, Is.EqualTo("completed"));
        Assert.That(tool.Input!["command"]!.GetValue<string>(), Is.EqualTo("echo DONE > done.txt"));
        Assert.That(result.Parts.Select(p => p.Kind), Is.EqualTo(new[] { ReplyPartKind.Tool, ReplyPartKind.Text }));
        Assert.That(result.Exchange, Has.Count.EqualTo(2), "one assistant message per model step");
        Assert.That(result.Tokens.Output, Is.GreaterThan(0));
        Assert.That(result.SessionCreated, Is.True);
        Assert.That(File.ReadAllText(Path.Combine(directory, "done.txt")), Is.EqualTo("DONE\n"));
        Assert.That(observed, Does.Contain("tool bash running").And.Contain("tool bash completed"));
    }

    [Test, CancelAfter(120_000)]
    public async Task SendAsync_TwoTurns_SecondTurnSeesHistoryAndOnlyItsOwnExchange(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("two-turns");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Text("First answer."), ScriptedReply.Text("Second answer."));
        using var client = Opencode.Client(directory);
        var session = new ConversationSession(client, new InMemorySessionRecord("two"), new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "two" } });

        var first = await session.SendAsync("One?", Options, cancellationToken);
        var second = await session.SendAsync("Two?", Options, cancellationToken);

        Assert.That(first.Text, Is.EqualTo("First answer."), first.Exception?.ToString());
        Assert.That(second.Text, Is.EqualTo("Second answer."), second.Exception?.ToString());
        Assert.That(second.SessionCreated, Is.False);
        Assert.That(second.Exchange, Has.Count.EqualTo(1));
        var lastRequest = Opencode.Model.Requests.Last(r => r.WorkingDirectory == directory && !r.IsTitleRequest);
        Assert.That(lastRequest.Messages.Count(m => m.Role == "user"), Is.EqualTo(2));
    }

    [Test, CancelAfter(120_000)]
    public async Task SendAsync_SessionDeletedUpstream_RecreatesOnceAndCompletes(CancellationToken cancellationToken)
    {
        // Arrange
        var directory = Opencode.NewDirectory("deleted");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Text("Answered in a new session."));
        using var client = Opencode.Client(directory);
        var record = new InMemorySessionRecord("deleted");
        var session = new ConversationSession(client, record, new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "deleted" } });
        var original = await session.EnsureAsync(cancellationToken);
        Assert.That(await client.DeleteSessionAsync(original, cancellationToken), Is.True);

        // Act
        var result = await session.SendAsync("Are you there?", Options, cancellationToken);

        // Assert
        Assert.That(result.Status, Is.EqualTo(TurnStatus.Completed), $"{result.Exception}\n{Opencode.Output}");
        Assert.That(result.SessionRecreated, Is.True);
        Assert.That(result.SessionId, Is.Not.EqualTo(original).And.EqualTo(record.SessionId));
        Assert.That(result.Text, Is.EqualTo("Answered in a new session."));
        await Assert.ThrowsAsync<OpencodeSessionNotFoundException>(() => client.GetSessionAsync(original, cancellationToken));
    }

    [Test, CancelAfter(120_000)]
    public async Task SendAsync_AbortedDuringSlowReply_EndsCancelledWithPartialText(CancellationToken cancellationToken)
    {
        // Arrange
        var directory = Opencode.NewDirectory("abort");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Slow("Counting slowly: one two three four five six seven eight nine ten", TimeSpan.FromMilliseconds(150), chunkSize: 4));
        using var client = Opencode.Client(directory);
        var session = new ConversationSession(client, new InMemorySessionRecord("abort"), new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "abort" } });
        var sessionId = await session.EnsureAsync(cancellationToken);
        var aborter = new AbortOnFirstText(() => new ConversationSession(client, new InMemorySessionRecord("abort-2", sessionId)).AbortAsync(cancellationToken));

        // Act
        var result = await session.SendAsync("Count.", Options with { Observers = [aborter] }, cancellationToken);

        // Assert
        Assert.That(result.Status, Is.EqualTo(TurnStatus.Cancelled), $"{result.Exception}\n{Opencode.Output}");
        Assert.That(result.Text, Does.StartWith("Count"));
        Assert.That(result.Text, Is.Not.EqualTo("Counting slowly: one two three four five six seven eight nine ten"));
        Assert.That(await aborter.Abort!, Is.True);
    }

    [Test, CancelAfter(120_000)]
    public async Task SendAsync_TokenCancelledDuringSlowReply_AbortsUpstreamAndEndsCancelled(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("cancel");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Slow("Slow words keep coming one by one until somebody stops them", TimeSpan.FromMilliseconds(150), chunkSize: 4));
        using var client = Opencode.Client(directory);
        var session = new ConversationSession(client, new InMemorySessionRecord("cancel"), new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "cancel" } });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var result = await session.SendAsync("Talk.", Options with { Observers = [new AbortOnFirstText(() => { cts.Cancel(); return Task.FromResult(true); })] }, cts.Token);

        Assert.That(result.Status, Is.EqualTo(TurnStatus.Cancelled), $"{result.Exception}\n{Opencode.Output}");
        var status = await WaitIdleAsync(client, result.SessionId!, cancellationToken);
        Assert.That(status, Is.False, "the upstream session is no longer busy after the abort");
    }

    [Test, CancelAfter(120_000)]
    public async Task EnsureAsync_EightConcurrentWorkers_CreateExactlyOneUpstreamSession(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("ensure");
        using var client = Opencode.Client(directory);
        var record = new InMemorySessionRecord("ensure");

        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            () => new ConversationSession(client, record, new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "ensure" } }).EnsureAsync(cancellationToken),
            cancellationToken)));

        Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
        var upstream = (await client.ListSessionsAsync(cancellationToken)).Where(s => s.Directory == directory).ToList();
        Assert.That(upstream.Select(s => s.Id), Is.EqualTo(new[] { ids[0] }));
    }

    [Test, CancelAfter(120_000)]
    public async Task RecreateAsync_FourConcurrentWorkers_ConvergeOnOneNewSession(CancellationToken cancellationToken)
    {
        var directory = Opencode.NewDirectory("recreate");
        using var client = Opencode.Client(directory);
        var record = new InMemorySessionRecord("recreate");
        var options = new ConversationSessionOptions { CreateRequest = _ => new CreateSessionRequest { Title = "recreate" } };
        var workers = Enumerable.Range(0, 4).Select(_ => new ConversationSession(client, record, options)).ToArray();
        var stale = await workers[0].EnsureAsync(cancellationToken);
        foreach (var worker in workers.Skip(1))
        {
            Assert.That(await worker.EnsureAsync(cancellationToken), Is.EqualTo(stale));
        }

        var ids = await Task.WhenAll(workers.Select(w => Task.Run(() => w.RecreateAsync(cancellationToken), cancellationToken)));

        Assert.That(ids.Distinct().Count(), Is.EqualTo(1));
        Assert.That(ids[0], Is.Not.EqualTo(stale).And.EqualTo(record.SessionId));
        var upstream = (await client.ListSessionsAsync(cancellationToken)).Where(s => s.Directory == directory).Select(s => s.Id);
        Assert.That(upstream, Is.EquivalentTo(new[] { stale, ids[0] }));
    }

    private static async Task<bool> WaitIdleAsync(OpencodeClient client, string sessionId, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 50; i++)
        {
            if (!(await client.GetSessionStatusAsync(cancellationToken)).ContainsKey(sessionId))
            {
                return false;
            }

            await Task.Delay(100, cancellationToken);
        }

        return true;
    }

    private sealed class Recorder(List<string> calls) : ReplyObserver
    {
        public override void OnToolProgressed(ReplyPart part, int index, string? status) => calls.Add($"tool {part.Tool} {status}");
    }

    private sealed class AbortOnFirstText(Func<Task<bool>> abort) : ReplyObserver
    {
        public Task<bool>? Abort { get; private set; }

        public override void OnPartChanged(ReplyPart part, int index, string delta)
        {
            if (part.Kind == ReplyPartKind.Text && Abort is null)
            {
                Abort = Task.Run(abort);
            }
        }
    }
}
