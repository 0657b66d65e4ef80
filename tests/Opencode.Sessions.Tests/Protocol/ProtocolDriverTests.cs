using System.Threading.Channels;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Protocol;
using static Opencode.Sessions.Tests.Protocol.ProtocolTestSupport;

namespace Opencode.Sessions.Tests.Protocol;

/// <summary>Reading and dispatching optio.log lines (lifecycle §4.2); the fetch loop is in ProtocolDriverFetchTests.</summary>
[TestFixture]
public sealed class ProtocolDriverTests : ProtocolDriverTestBase
{
    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_StatusLines_ReportPercentAndMessage(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(Source("STATUS: 10% starting", "STATUS: 100% finished", "STATUS: no percent", "STATUS:", "DONE"), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done(null)));
        Assert.That(Progress, Is.EqualTo(new (int?, string?)[] { (10, "starting"), (100, "finished"), (null, "no percent"), (null, "") }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_UnknownLines_ForwardedVerbatimAndEmptyIgnored(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        await driver.RunAsync(Source("hello", "", "  indented", "DONE now", "DONE"), cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[] { "hello", "  indented", "DONE now" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_Done_StopsReadingAndReportsSummary(CancellationToken cancellationToken)
    {
        // Arrange
        await using var driver = CreateDriver(Collect);
        var source = new ScriptedLines(Lines("DONE: all good", "STATUS: 50% late", "DELIVERABLE: deliverables/out.txt"));

        // Act
        var outcome = await driver.RunAsync(source.ReadAsync(), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("all good")));
        Assert.That(Messages, Is.EqualTo(new[] { "all good" }));
        Assert.That(source.Yielded, Is.EqualTo(1));
        Assert.That(source.Disposed, Is.True);
        Assert.That(Delivered, Is.Empty);
        Assert.That(driver.DeliverablesEmitted, Is.Empty);
    }

    [TestCase("ERROR: auth failed", "auth failed")]
    [TestCase("ERROR", null)]
    [TestCase("ERROR:   ", null)]
    [CancelAfter(10_000)]
    public async Task RunAsync_Error_ReturnsAgentMessageAndStopsReading(string errorLine, string? expected, CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);
        var source = new ScriptedLines(Lines("STATUS: 10% working", errorLine, "DONE"));

        var outcome = await driver.RunAsync(source.ReadAsync(), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Error(expected)));
        Assert.That(source.Yielded, Is.EqualTo(2));
        Assert.That(source.Disposed, Is.True);
        Assert.That(Logger.Has(1012), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_SourceEndsWithoutDone_EndedWithoutDone(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(Source("STATUS: 10% working"), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.EndedWithoutDone(null)));
        Assert.That(Logger.Has(1013), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_SourceThrows_EndedWithoutDoneCarriesTheError(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);
        var failure = new IOException("connection dropped");
        var source = new ScriptedLines(Lines("STATUS: 10% working")) { ThrowAtEnd = failure };

        var outcome = await driver.RunAsync(source.ReadAsync(), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.EndedWithoutDone(failure)));
        Assert.That(Messages, Is.EqualTo(new[] { "working" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_Cancelled_ThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        // Arrange: a source that never ends.
        await using var driver = CreateDriver(null);
        var endless = Channel.CreateUnbounded<FollowedLine>();
        await endless.Writer.WriteAsync(new FollowedLine("STATUS: 10% working"), cancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Act
        var run = driver.RunAsync(endless.Reader.ReadAllAsync(cancel.Token), cancel.Token);
        await WaitUntilAsync(() => !Progress.IsEmpty, cancellationToken);
        await cancel.CancelAsync();

        // Assert
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_CalledTwice_Throws(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);
        await driver.RunAsync(Source("DONE"), cancellationToken);

        Assert.That(async () => await driver.RunAsync(Source("DONE"), cancellationToken), Throws.InvalidOperationException);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_TruncatedUnknownLine_OnlyTheCutMessageWithPreview(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null, new ProtocolDriverOptions { MaxLineBytes = 4096 });
        var text = "x" + new string('y', 5000);

        await driver.RunAsync(Source(new FollowedLine(text, Truncated: true), new FollowedLine("DONE")), cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[] { $"optio.log: a line longer than 4096 bytes was cut ({text[..200]}…)" }));
        Assert.That(Logger.Has(1000), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_TruncatedKeywordLines_ParsedOnTheirOwnWithQuotedPayload(CancellationToken cancellationToken)
    {
        // Arrange
        await using var driver = CreateDriver(Collect);
        var longTail = new string('z', 1000);
        var lines = new[]
        {
            new FollowedLine("STATUS: 5% " + longTail, Truncated: true),
            new FollowedLine("DELIVERABLE: deliverables/out.txt" + longTail, Truncated: true),
            new FollowedLine("DONE: " + longTail, Truncated: true),
        };

        // Act
        var outcome = await driver.RunAsync(Source(lines), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        var quoted = longTail[..200] + "…";
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done(quoted)));
        Assert.That(Progress, Does.Contain(((int?)5, (string?)quoted)));
        Assert.That(Messages, Does.Contain($"invalid deliverable path '{("deliverables/out.txt" + longTail)[..200]}…', skipping"));
        Assert.That(Delivered, Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_InvalidUtf8Line_NoteThenHandledWithReplacementCharacters(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(
            Source(new FollowedLine("bad \uFFFD byte", InvalidUtf8: true), new FollowedLine("DONE: ok \uFFFD", InvalidUtf8: true)),
            cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("ok \uFFFD")));
        Assert.That(Messages.Take(2), Is.EqualTo(new[] { "optio.log: a line was not valid UTF-8; invalid bytes were replaced with U+FFFD", "bad \uFFFD byte" }));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task RunAsync_FollowedLocalLogWithHugeLineAndBadBytes_SessionContinuesToDone(CancellationToken cancellationToken)
    {
        // Arrange: a real optio.log followed from its first byte, written while the driver reads.
        var log = Path.Combine(Workdir, "optio.log");
        File.WriteAllBytes(log, []);
        await using var driver = CreateDriver(Collect);
        var run = driver.RunAsync(LocalFileFollower.FollowAsync(log, LineAssembler.DefaultMaxLineBytes, cancellationToken), cancellationToken);

        // Act
        await using (var writer = new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            await writer.WriteAsync("STATUS: 10% start\n"u8.ToArray(), cancellationToken);
            await writer.WriteAsync(Enumerable.Repeat((byte)'q', 10 * 1024 * 1024).ToArray(), cancellationToken);
            byte[] tail = [.. "\nbad "u8, 0xFF, .. " byte\nDELIVERABLE: deliverables/out.txt\nDONE: finished\nSTATUS: 99% ignored\n"u8];
            await writer.WriteAsync(tail, cancellationToken);
        }

        var outcome = await run;
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("finished")));
        Assert.That(Messages, Is.EqualTo(new[]
        {
            "start",
            $"optio.log: a line longer than {LineAssembler.DefaultMaxLineBytes} bytes was cut ({new string('q', 200)}…)",
            "optio.log: a line was not valid UTF-8; invalid bytes were replaced with U+FFFD",
            "bad \uFFFD byte",
            "Deliverable: out.txt",
            "finished",
        }));
        Assert.That(Delivered.Single().Text, Is.EqualTo("hello 42 blue"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_ReportProgressThrows_SessionContinues(CancellationToken cancellationToken)
    {
        // Arrange: the application's progress sink throws on every call.
        var context = new Mock<IProcessContext>();
        context.Setup(c => c.ReportProgress(It.IsAny<int?>(), It.IsAny<string?>())).Throws(new InvalidOperationException("sink down"));
        var host = CreateHost(Workdir);
        await using var driver = new ProtocolDriver(host.Object, new HookContext(context.Object, host.Object), null, Logger);

        // Act
        var outcome = await driver.RunAsync(Source("STATUS: 10% x", "hello", "DONE: fine"), cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("fine")));
        Assert.That(Logger.Events.Count(e => e.Id.Id == 1019), Is.EqualTo(3));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_AfterDispose_Throws(CancellationToken cancellationToken)
    {
        var driver = CreateDriver(null);
        await driver.DisposeAsync();
        await driver.DisposeAsync();

        Assert.That(async () => await driver.RunAsync(Source("DONE"), cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
    }
}
