using System.Collections.Concurrent;
using System.Threading.Channels;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Protocol;
using static Opencode.Sessions.Tests.Protocol.ProtocolTestSupport;

namespace Opencode.Sessions.Tests.Protocol;

/// <summary>Reading and dispatching optio.log lines (lifecycle §4.2); the fetch loop is in ProtocolDriverFetchTests.</summary>
[TestFixture]
public sealed class ProtocolDriverTests
{
    private readonly ConcurrentQueue<(int? Percent, string? Message)> _progress = new();
    private string _root = null!;
    private string _workdir = null!;
    private RecordingLogger _logger = null!;

    private IEnumerable<string?> Messages => _progress.Select(p => p.Message);

    [SetUp]
    public async Task SetUp()
    {
        _progress.Clear();
        _logger = new RecordingLogger();
        _root = await RealPathAsync(Directory.CreateTempSubdirectory("ocs-driver-").FullName, CancellationToken.None);
        _workdir = Path.Combine(_root, "workdir");
        Directory.CreateDirectory(Path.Combine(_workdir, "deliverables"));
        File.WriteAllText(Path.Combine(_workdir, "deliverables", "out.txt"), "hello 42 blue");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_StatusLines_ReportPercentAndMessage(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(Source(Lines("STATUS: 10% starting", "STATUS: 100% finished", "STATUS: no percent", "STATUS:", "DONE")), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done(null)));
        Assert.That(_progress, Is.EqualTo(new (int?, string?)[] { (10, "starting"), (100, "finished"), (null, "no percent"), (null, "") }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_UnknownLines_ForwardedVerbatimAndEmptyIgnored(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        await driver.RunAsync(Source(Lines("hello", "", "  indented", "DONE now", "DONE")), cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[] { "hello", "  indented", "DONE now" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_Done_StopsReadingAndReportsSummary(CancellationToken cancellationToken)
    {
        // Arrange
        var delivered = new ConcurrentQueue<Deliverable>();
        await using var driver = CreateDriver(Collect(delivered));
        var source = new ScriptedLines(Lines("DONE: all good", "STATUS: 50% late", "DELIVERABLE: deliverables/out.txt"));

        // Act
        var outcome = await driver.RunAsync(source.ReadAsync(), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("all good")));
        Assert.That(Messages, Is.EqualTo(new[] { "all good" }));
        Assert.That(source.Yielded, Is.EqualTo(1));
        Assert.That(source.Disposed, Is.True);
        Assert.That(delivered, Is.Empty);
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
        Assert.That(_logger.Has(1012), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_SourceEndsWithoutDone_EndedWithoutDone(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(Source(Lines("STATUS: 10% working")), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.EndedWithoutDone(null)));
        Assert.That(_logger.Has(1013), Is.True);
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
        await WaitUntilAsync(() => !_progress.IsEmpty, cancellationToken);
        await cancel.CancelAsync();

        // Assert
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_CalledTwice_Throws(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);
        await driver.RunAsync(Source(Lines("DONE")), cancellationToken);

        Assert.That(async () => await driver.RunAsync(Source(Lines("DONE")), cancellationToken), Throws.InvalidOperationException);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_TruncatedUnknownLine_OnlyTheCutMessageWithPreview(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null, new ProtocolDriverOptions { MaxLineBytes = 4096 });
        var text = "x" + new string('y', 5000);

        await driver.RunAsync(Source(new FollowedLine(text, Truncated: true), new FollowedLine("DONE")), cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[] { $"optio.log: a line longer than 4096 bytes was cut ({text[..200]}…)" }));
        Assert.That(_logger.Has(1000), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_TruncatedKeywordLines_ParsedOnTheirOwnWithQuotedPayload(CancellationToken cancellationToken)
    {
        // Arrange
        var delivered = new ConcurrentQueue<Deliverable>();
        await using var driver = CreateDriver(Collect(delivered));
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
        Assert.That(_progress, Does.Contain(((int?)5, (string?)quoted)));
        Assert.That(Messages, Does.Contain($"invalid deliverable path '{("deliverables/out.txt" + longTail)[..200]}…', skipping"));
        Assert.That(delivered, Is.Empty);
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
    [CancelAfter(10_000)]
    public async Task RunAsync_ReportProgressThrows_SessionContinues(CancellationToken cancellationToken)
    {
        // Arrange: the application's progress sink throws on every call.
        var context = new Mock<IProcessContext>();
        context.Setup(c => c.ReportProgress(It.IsAny<int?>(), It.IsAny<string?>())).Throws(new InvalidOperationException("sink down"));
        var host = CreateHost(_workdir);
        await using var driver = new ProtocolDriver(host.Object, new HookContext(context.Object, host.Object), null, _logger);

        // Act
        var outcome = await driver.RunAsync(Source(Lines("STATUS: 10% x", "hello", "DONE: fine")), cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("fine")));
        Assert.That(_logger.Events.Count(e => e.Id.Id == 1019), Is.EqualTo(3));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task RunAsync_AfterDispose_Throws(CancellationToken cancellationToken)
    {
        var driver = CreateDriver(null);
        await driver.DisposeAsync();
        await driver.DisposeAsync();

        Assert.That(async () => await driver.RunAsync(Source(Lines("DONE")), cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
    }

    private static async IAsyncEnumerable<FollowedLine> Source(params FollowedLine[] lines)
    {
        foreach (var line in lines)
        {
            await Task.Yield();
            yield return line;
        }
    }

    private static DeliverableHandler Collect(ConcurrentQueue<Deliverable> delivered) => (_, deliverable, _) =>
    {
        delivered.Enqueue(deliverable);
        return Task.CompletedTask;
    };

    private ProtocolDriver CreateDriver(DeliverableHandler? handler, ProtocolDriverOptions? options = null)
    {
        var host = CreateHost(_workdir);
        var hookContext = new HookContext(CreateContext(_progress).Object, host.Object);
        return new ProtocolDriver(host.Object, hookContext, handler, _logger, options);
    }
}
