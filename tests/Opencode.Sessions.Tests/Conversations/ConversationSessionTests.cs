using Moq;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Conversations;

[FixtureLifeCycle(LifeCycle.InstancePerTestCase)]
public sealed class ConversationSessionTests
{
    private int _created;

    private Mock<OpencodeClient> Client(TimeSpan? createDelay = null)
    {
        var client = new Mock<OpencodeClient>();
        client.Setup(c => c.CreateSessionAsync(It.IsAny<CreateSessionRequest?>(), It.IsAny<CancellationToken>()))
            .Returns(async (CreateSessionRequest? _, CancellationToken ct) =>
            {
                await Task.Delay(createDelay ?? TimeSpan.Zero, ct);
                return new OpencodeSession { Id = $"ses_{Interlocked.Increment(ref _created)}" };
            });
        client.Setup(c => c.DeleteSessionAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        return client;
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_NoSessionYet_CreatesWithRequestAndPersists(CancellationToken cancellationToken)
    {
        var client = Client();
        var record = new InMemorySessionRecord("chat-1");
        var options = new ConversationSessionOptions { CreateRequest = r => new CreateSessionRequest { Title = "Chat " + r.RecordId } };
        var session = new ConversationSession(client.Object, record, options);

        var id = await session.EnsureAsync(cancellationToken);

        Assert.That(id, Is.EqualTo("ses_1"));
        Assert.That(record.SessionId, Is.EqualTo("ses_1"));
        Assert.That(session.JustCreated, Is.True);
        client.Verify(c => c.CreateSessionAsync(It.Is<CreateSessionRequest?>(r => r!.Title == "Chat chat-1"), It.IsAny<CancellationToken>()), Times.Once);

        Assert.That(await session.EnsureAsync(cancellationToken), Is.EqualTo("ses_1"));
        Assert.That(session.JustCreated, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_RecordHasSession_ReturnsItWithoutCreating(CancellationToken cancellationToken)
    {
        var client = Client();
        var session = new ConversationSession(client.Object, new InMemorySessionRecord("chat-1", "ses_existing"));

        Assert.That(await session.EnsureAsync(cancellationToken), Is.EqualTo("ses_existing"));
        Assert.That(session.JustCreated, Is.False);
        client.Verify(c => c.CreateSessionAsync(It.IsAny<CreateSessionRequest?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_EightConcurrentWorkers_CreateExactlyOneSession(CancellationToken cancellationToken)
    {
        var client = Client(TimeSpan.FromMilliseconds(50));
        var record = new InMemorySessionRecord("chat-1");

        var ids = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new ConversationSession(client.Object, record).EnsureAsync(cancellationToken), cancellationToken)));

        Assert.That(ids.Distinct(), Is.EqualTo(new[] { "ses_1" }));
        Assert.That(_created, Is.EqualTo(1));
        Assert.That(record.SaveCount, Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_SaveFails_DeletesOrphanAndRethrows(CancellationToken cancellationToken)
    {
        var client = Client();
        var record = new InMemorySessionRecord("chat-1") { BeforeSave = (_, _) => throw new InvalidOperationException("validation failed") };
        var session = new ConversationSession(client.Object, record);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => session.EnsureAsync(cancellationToken));

        Assert.That(error!.Message, Is.EqualTo("validation failed"));
        client.Verify(c => c.DeleteSessionAsync("ses_1", It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(record.SessionId, Is.Null);
        Assert.That(session.JustCreated, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_SaveFailsAndDeleteFails_ReportsDeleteAndRethrowsSaveError(CancellationToken cancellationToken)
    {
        var client = Client();
        client.Setup(c => c.DeleteSessionAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new OpencodeConnectionException("down"));
        var errors = new List<ConversationErrorContext>();
        var record = new InMemorySessionRecord("chat-1") { BeforeSave = (_, _) => throw new InvalidOperationException("validation failed") };
        var session = new ConversationSession(client.Object, record, new ConversationSessionOptions { OnError = errors.Add });

        await Assert.ThrowsAsync<InvalidOperationException>(() => session.EnsureAsync(cancellationToken));

        Assert.That(errors.Single().Action, Is.EqualTo("delete_orphan_session"));
    }

    [Test, CancelAfter(10_000)]
    public async Task EnsureAsync_LostRaceOnSave_AdoptsWinnerAndDeletesOwnSession(CancellationToken cancellationToken)
    {
        var client = Client();
        var record = new InMemorySessionRecord("chat-1");
        record.BeforeSave = (_, _) =>
        {
            record.Overwrite("ses_winner");
            throw new SessionRecordConflictException("unique violation");
        };
        var session = new ConversationSession(client.Object, record);

        Assert.That(await session.EnsureAsync(cancellationToken), Is.EqualTo("ses_winner"));
        Assert.That(session.JustCreated, Is.False);
        client.Verify(c => c.DeleteSessionAsync("ses_1", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test, CancelAfter(10_000)]
    public async Task RecreateAsync_FourConcurrentWorkersWithSameStaleId_ConvergeOnOneNewSession(CancellationToken cancellationToken)
    {
        var client = Client(TimeSpan.FromMilliseconds(50));
        var record = new InMemorySessionRecord("chat-1", "ses_stale");
        var workers = Enumerable.Range(0, 4).Select(_ => new ConversationSession(client.Object, record)).ToArray();
        foreach (var worker in workers)
        {
            await worker.EnsureAsync(cancellationToken);
        }

        var ids = await Task.WhenAll(workers.Select(w => Task.Run(() => w.RecreateAsync(cancellationToken), cancellationToken)));

        Assert.That(ids.Distinct(), Is.EqualTo(new[] { "ses_1" }));
        Assert.That(record.SessionId, Is.EqualTo("ses_1"));
        Assert.That(workers.Count(w => w.JustCreated), Is.EqualTo(1));
    }

    [Test, CancelAfter(10_000)]
    public async Task AbortAsync_WithoutSession_DoesNothing(CancellationToken cancellationToken)
    {
        var client = Client();

        Assert.That(await new ConversationSession(client.Object, new InMemorySessionRecord("r")).AbortAsync(cancellationToken), Is.False);
        client.Verify(c => c.AbortSessionAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test, CancelAfter(10_000)]
    public async Task AbortAsync_ClientFails_ReportsToOnErrorAndSwallows(CancellationToken cancellationToken)
    {
        var client = Client();
        client.Setup(c => c.AbortSessionAsync("ses_x", It.IsAny<CancellationToken>())).ThrowsAsync(new OpencodeServerException("boom"));
        var errors = new List<ConversationErrorContext>();
        var session = new ConversationSession(client.Object, new InMemorySessionRecord("r", "ses_x"), new ConversationSessionOptions { OnError = errors.Add });

        Assert.That(await session.AbortAsync(cancellationToken), Is.False);
        Assert.That(errors.Single(), Has.Property("Action").EqualTo("abort_session").And.Property("RecordId").EqualTo("r"));
    }
}
