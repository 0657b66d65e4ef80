using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>Deliverables the session must refuse or survive: escapes, strays, bad encodings, failing callbacks.</content>
public abstract partial class SessionScenarios
{
    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_DeliverablesOutsideDeliverables_SkipsThemWithProgressAndStillFinishes(CancellationToken cancellationToken)
    {
        // Arrange: ../ , an absolute path outside the workdir, a symlink under deliverables/ pointing outside, a stray file.
        var processId = NewProcessId("escape");
        var outside = TaskDirectoryOf(processId) + "/outside.txt";
        var (context, received) = await RunWithHostileDeliverablesAsync(processId,
            $"printf 'secret' > ../outside.txt && mkdir -p deliverables && ln -s '{outside}' deliverables/link.txt && printf 'stray' > stray.txt" +
            $" && printf '%s\\n' 'DELIVERABLE: ../outside.txt' 'DELIVERABLE: {outside}' 'DELIVERABLE: ./deliverables/link.txt' 'DELIVERABLE: ./stray.txt' >> optio.log",
            "announce bad deliverables", cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(context.Messages, Does.Contain("invalid deliverable path '../outside.txt', skipping"), why);
        Assert.That(context.Messages, Does.Contain($"invalid deliverable path '{outside}', skipping"), why);
        Assert.That(context.Messages, Does.Contain("Deliverable link.txt: refused, it goes through a symbolic link; skipping"), why);
        Assert.That(context.Messages, Does.Contain("deliverable './stray.txt': not under deliverables/, skipping (malfunction)"), why);
        Assert.That(context.Messages, Does.Contain("finished anyway"), why);
        Assert.That(received.Select(d => (d.RelativePath, d.Text)), Is.EqualTo(new[] { ("good.md", "good") }), "only the valid deliverable is called back");
    }

    [Test]
    [Category("Security")]
    [CancelAfter(OneSessionTimeout)]
    public async Task Escape1_SymlinkedDeliverableToOutsideSecret_SkippedWithSpecificReasonsAndSecretNeverDelivered(CancellationToken cancellationToken)
    {
        // Arrange: issue 8 escapes 1, 3 and 5 in a real session — a link to a secret outside the workdir reached through
        // a missing directory and "..", a FIFO and a hard link to the secret (/proc/self/environ: the unit and SSH host tests).
        var processId = NewProcessId("escape1");
        var secret = TaskDirectoryOf(processId) + "/secret.txt";
        var (context, received) = await RunWithHostileDeliverablesAsync(processId,
            $"printf 'TOP-SECRET' > '{secret}' && mkdir -p deliverables && ln -s '{secret}' deliverables/sym2.txt" +
            $" && mkfifo deliverables/pipe.txt && ln '{secret}' deliverables/hard.txt" +
            " && printf '%s\\n' 'DELIVERABLE: deliverables/missing-dir/../sym2.txt' 'DELIVERABLE: deliverables/pipe.txt' 'DELIVERABLE: deliverables/hard.txt' >> optio.log",
            "announce hostile deliverables", cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(context.Messages, Does.Contain("Deliverable sym2.txt: refused, it goes through a symbolic link; skipping"), why);
        Assert.That(context.Messages, Does.Contain("Deliverable pipe.txt: refused, it is not a regular file; skipping"), why);
        Assert.That(context.Messages, Does.Contain("Deliverable hard.txt: refused, it is a hard link (the file has more than one name); skipping"), why);
        Assert.That(received.Select(d => (d.RelativePath, d.Text)), Is.EqualTo(new[] { ("good.md", "good") }), "only the genuine deliverable is called back");
    }

    [Test]
    [CancelAfter(OneSessionTimeout)]
    public async Task ExecuteAsync_NonUtf8DeliverableAndThrowingCallback_SkipsAndSwallowsAndStillFinishes(CancellationToken cancellationToken)
    {
        // Arrange
        var processId = NewProcessId("resilient");
        Script(
            processId,
            ScriptedReply.Bash(
                "mkdir -p deliverables && printf 'caf\\351 \\377\\376' > deliverables/latin1.txt && printf '%s\\n' 'DELIVERABLE: ./deliverables/latin1.txt' >> optio.log",
            "announce a latin-1 file"),
            ScriptedReply.WriteDeliverable("boom.md", "boom"),
            ScriptedReply.WriteDeliverable("after.md", "after the failure"),
            ScriptedReply.LogLine("DONE: all announced"),
            ScriptedReply.Text("ok"));
        var called = new List<string>();
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: false) with
        {
            OnDeliverable = (_, deliverable, _) =>
            {
                called.Add(deliverable.RelativePath);
                return deliverable.RelativePath == "boom.md" ? throw new InvalidOperationException("callback exploded") : Task.CompletedTask;
            },
        };

        // Act
        await OpencodeTaskFactory.Create(processId, "resilient", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(context.Messages, Does.Contain("Deliverable latin1.txt: not valid UTF-8, skipping callback"), why);
        Assert.That(context.Messages, Does.Contain("OnDeliverable callback raised: callback exploded"), why);
        Assert.That(called, Is.EqualTo(new[] { "boom.md", "after.md" }), "no callback for the bad file; the session goes on after a throwing callback");
        Assert.That(context.Messages, Does.Contain("all announced"));
    }

    /// <summary>
    /// Runs a session whose agent first runs <paramref name="bash"/> (announcing hostile deliverables), then writes one
    /// genuine deliverable <c>good.md</c> and ends with <c>DONE: finished anyway</c>.
    /// </summary>
    /// <returns>The process context and the deliverables called back.</returns>
    private async Task<(RecordingProcessContext Context, List<Deliverable> Received)> RunWithHostileDeliverablesAsync(string processId, string bash, string description, CancellationToken cancellationToken)
    {
        Script(
            processId,
            ScriptedReply.Bash(bash, description),
            ScriptedReply.WriteDeliverable("good.md", "good"),
            ScriptedReply.LogLine("DONE: finished anyway"),
            ScriptedReply.Text("ok"));
        var received = new List<Deliverable>();
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: false) with { OnDeliverable = CollectInto(received) };
        await OpencodeTaskFactory.Create(processId, description, config).ExecuteAsync(context, cancellationToken);
        return (context, received);
    }
}
