using Moq;
using Opencode.Sessions.Protocol;
using static Opencode.Sessions.Tests.Protocol.ProtocolTestSupport;

namespace Opencode.Sessions.Tests.Protocol;

/// <summary>Deliverables: validation, the bounded queue and the sequential fetch loop (lifecycle §4.3–§4.4).</summary>
[TestFixture]
public sealed class ProtocolDriverFetchTests : ProtocolDriverTestBase
{
    [Test]
    [CancelAfter(10_000)]
    public async Task Deliverables_FetchedInLogOrder_CallbackGetsRelativePathHostPathAndText(CancellationToken cancellationToken)
    {
        // Arrange
        await using var driver = CreateDriver(Collect);

        // Act
        var outcome = await driver.RunAsync(
            Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/sub/b.md", $"DELIVERABLE: {DeliverablesDir}/c.txt", "DELIVERABLE: deliverables/out.txt", "DONE"),
            cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done(null)));
        Assert.That(Delivered, Is.EqualTo(new[]
        {
            new Deliverable("out.txt", Path.Combine(DeliverablesDir, "out.txt"), "hello 42 blue"),
            new Deliverable("sub/b.md", Path.Combine(DeliverablesDir, "sub", "b.md"), "# b é"),
            new Deliverable("c.txt", Path.Combine(DeliverablesDir, "c.txt"), "c"),
            new Deliverable("out.txt", Path.Combine(DeliverablesDir, "out.txt"), "hello 42 blue"),
        }));
        Assert.That(Messages, Is.EqualTo(new[] { "Deliverable: out.txt", "Deliverable: sub/b.md", "Deliverable: c.txt", "Deliverable: out.txt" }));
        Assert.That(driver.DeliverablesEmitted, Is.EqualTo(new[] { "out.txt", "sub/b.md", "c.txt", "out.txt" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Deliverables_InvalidPaths_SkippedWithMessages(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(Collect);

        await driver.RunAsync(Source("DELIVERABLE: ../secret.txt", "DELIVERABLE: /etc/passwd", "DELIVERABLE: AGENTS.md", "DELIVERABLE: deliverables", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[]
        {
            "invalid deliverable path '../secret.txt', skipping",
            "invalid deliverable path '/etc/passwd', skipping",
            "deliverable 'AGENTS.md': not under deliverables/, skipping (malfunction)",
            "deliverable 'deliverables': not under deliverables/, skipping (malfunction)",
        }));
        Assert.That(Delivered, Is.Empty);
        Assert.That(driver.DeliverablesEmitted, Is.Empty);
        Assert.That(Logger.Events.Count(e => e.Id.Id == 1002), Is.EqualTo(4));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Deliverables_ResolvingThePathFails_SkippedAsInvalid(CancellationToken cancellationToken)
    {
        // An absolute path outside the work directory as named needs the work directory's real path.
        Host.Setup(h => h.ResolveRealPathAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("realpath: exec failed"));
        await using var driver = CreateDriver(Collect);

        await driver.RunAsync(Source("DELIVERABLE: /elsewhere/boom.txt", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages.First(), Is.EqualTo("invalid deliverable path '/elsewhere/boom.txt', skipping"));
        Assert.That(Delivered.Select(d => d.RelativePath), Is.EqualTo(new[] { "c.txt" }));
        Assert.That(Logger.Has(1003), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Callback_Throws_LaterDeliverablesStillDelivered(CancellationToken cancellationToken)
    {
        // Arrange: the first call throws after an await, the second before returning its task.
        var calls = 0;
        await using var driver = CreateDriver((context, deliverable, ct) =>
        {
            switch (Interlocked.Increment(ref calls))
            {
                case 1:
                    return ThrowLaterAsync();
                case 2:
                    throw new InvalidOperationException("sync boom");
                default:
                    return Collect(context, deliverable, ct);
            }
        });

        // Act
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/sub/b.md", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        // Assert
        Assert.That(Delivered.Select(d => d.RelativePath), Is.EqualTo(new[] { "c.txt" }));
        Assert.That(Messages, Does.Contain("OnDeliverable callback raised: async boom"));
        Assert.That(Messages, Does.Contain("OnDeliverable callback raised: sync boom"));
        Assert.That(Logger.Events.Count(e => e.Id.Id == 1009), Is.EqualTo(2));

        static async Task ThrowLaterAsync()
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Fetch_NotUtf8_SkippedWithMessage(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(Collect);

        await driver.RunAsync(Source("DELIVERABLE: deliverables/bad.bin", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages, Does.Contain("Deliverable bad.bin: not valid UTF-8, skipping callback"));
        Assert.That(Delivered.Select(d => d.RelativePath), Is.EqualTo(new[] { "c.txt" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Fetch_Missing_NotFoundMessage(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(Collect);

        await driver.RunAsync(Source("DELIVERABLE: deliverables/gone.txt", "DELIVERABLE: deliverables/nodir/gone.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages.Where(m => m!.EndsWith("not found", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "Deliverable gone.txt: not found",
            "Deliverable nodir/gone.txt: not found",
        }));
        Assert.That(Delivered, Is.Empty);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Fetch_HostReadFails_FetchFailedMessage(CancellationToken cancellationToken)
    {
        Host.Setup(h => h.OpenWorkdirFileAsync("deliverables/out.txt", It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("disk on fire"));
        await using var driver = CreateDriver(Collect);

        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages, Does.Contain("Deliverable out.txt: fetch failed: disk on fire, skipping"));
        Assert.That(Delivered.Select(d => d.RelativePath), Is.EqualTo(new[] { "c.txt" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Fetch_LargerThanCap_SkippedWithMessage(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(Collect, new ProtocolDriverOptions { MaxDeliverableBytes = 8 });

        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages, Does.Contain("Deliverable out.txt: larger than 8 bytes, skipping callback"));
        Assert.That(Delivered.Select(d => d.RelativePath), Is.EqualTo(new[] { "c.txt" }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Fetch_NoCallbackConfigured_DrainsQuietly(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DONE"), cancellationToken);
        await driver.DrainAsync(cancellationToken);

        Assert.That(Messages, Is.EqualTo(new[] { "Deliverable: out.txt" }));
        Host.Verify(h => h.OpenWorkdirFileAsync("deliverables/out.txt", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Queue_Full_BlocksReadingUntilTheFetchLoopCatchesUp(CancellationToken cancellationToken)
    {
        // Arrange: capacity 2; the first callback holds the fetch loop.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        await using var driver = CreateDriver(
            async (context, deliverable, ct) =>
            {
                Interlocked.Increment(ref entered);
                await gate.Task.WaitAsync(ct);
                await Collect(context, deliverable, ct);
            },
            new ProtocolDriverOptions { QueueCapacity = 2 });
        var source = new ScriptedLines(Lines([.. Enumerable.Repeat("DELIVERABLE: deliverables/c.txt", 5), "DONE"]));

        // Act: one item in the callback, two queued, the fourth write waits.
        var run = driver.RunAsync(source.ReadAsync(), cancellationToken);
        await WaitUntilAsync(() => Volatile.Read(ref entered) == 1 && source.Yielded == 4 && driver.DeliverablesEmitted.Count == 3, cancellationToken);
        await Task.Delay(200, cancellationToken);

        // Assert
        Assert.That(run.IsCompleted, Is.False);
        Assert.That(source.Yielded, Is.EqualTo(4));
        Assert.That(driver.DeliverablesEmitted, Has.Count.EqualTo(3));

        gate.SetResult();
        Assert.That(await run, Is.EqualTo(new ProtocolOutcome.Done(null)));
        await driver.DrainAsync(cancellationToken);
        Assert.That(Delivered, Has.Count.EqualTo(5));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DisposeAsync_WhileReadingWaitsForRoom_RunAsyncCancelledAndNothingMoreDelivered(CancellationToken cancellationToken)
    {
        // Arrange: capacity 1 and a callback that waits for its token, so the third line waits for room.
        var driver = CreateDriver(
            async (context, deliverable, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                await Collect(context, deliverable, ct);
            },
            new ProtocolDriverOptions { QueueCapacity = 1 });
        var source = new ScriptedLines(Lines("DELIVERABLE: deliverables/c.txt", "DELIVERABLE: deliverables/c.txt", "DELIVERABLE: deliverables/c.txt", "DONE"));
        var run = driver.RunAsync(source.ReadAsync(), cancellationToken);
        await WaitUntilAsync(() => source.Yielded == 3, cancellationToken);

        // Act
        await driver.DisposeAsync();

        // Assert
        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(source.Disposed, Is.True);
        Assert.That(Delivered, Is.Empty);
        Assert.That(Logger.Has(1016), Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DrainAsync_WaitsForTheRunningCallback(CancellationToken cancellationToken)
    {
        // Arrange
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = false;
        await using var driver = CreateDriver(async (_, _, ct) =>
        {
            entered.SetResult();
            await gate.Task.WaitAsync(ct);
            finished = true;
        });
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DONE"), cancellationToken);

        // Act
        var drain = driver.DrainAsync(cancellationToken);
        await entered.Task.WaitAsync(cancellationToken);
        await Task.Delay(100, cancellationToken);
        var completedEarly = drain.IsCompleted;
        gate.SetResult();
        await drain;

        // Assert
        Assert.That(completedEarly, Is.False);
        Assert.That(finished, Is.True);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DrainAsync_Cancelled_CancelsTheCallbackAndDropsTheRest(CancellationToken cancellationToken)
    {
        // Arrange
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawCancellation = false;
        await using var driver = CreateDriver(async (_, deliverable, ct) =>
        {
            entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                sawCancellation = true;
                throw;
            }
        });
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/c.txt", "DONE"), cancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Act
        var drain = driver.DrainAsync(bound.Token);
        await entered.Task.WaitAsync(cancellationToken);
        await bound.CancelAsync();

        // Assert
        Assert.That(async () => await drain, Throws.InstanceOf<OperationCanceledException>());
        await driver.DisposeAsync();
        Assert.That(sawCancellation, Is.True);
        Assert.That(Logger.Has(1016), Is.True, "the second deliverable is dropped");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task DisposeAsync_CallbackIgnoresCancellation_DoesNotHang(CancellationToken cancellationToken)
    {
        // Arrange: a callback that never completes and ignores its token.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = CreateDriver((_, _, _) =>
        {
            entered.TrySetResult();
            return new TaskCompletionSource().Task;
        });
        await driver.RunAsync(Source("DELIVERABLE: deliverables/out.txt", "DELIVERABLE: deliverables/c.txt", "ERROR: gave up"), cancellationToken);
        await entered.Task.WaitAsync(cancellationToken);

        // Act
        await driver.DisposeAsync().AsTask().WaitAsync(cancellationToken);

        // Assert
        Assert.That(Logger.Has(1017), Is.True);
        Assert.That(async () => await driver.DrainAsync(cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
    }
}
