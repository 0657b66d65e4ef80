using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

[TestFixture]
public sealed class RecordingProcessContextTests
{
    [Test]
    public async Task Records_ProgressWidgetAndSavedState()
    {
        // Arrange
        var context = new RecordingProcessContext("job-1", resume: true);
        var widget = new WidgetData("{widgetProxyUrl}x", new Dictionary<string, string> { ["k"] = "v" });

        // Act
        context.ReportProgress(10, "starting");
        context.ReportProgress(null, null);
        context.ReportProgress(null, "indeterminate");
        await context.SetWidgetUpstreamAsync(new Uri("http://127.0.0.1:1234/"), new BasicAuth("opencode", "pw"), CancellationToken.None);
        await context.SetWidgetDataAsync(widget, CancellationToken.None);
        await context.MarkHasSavedStateAsync(CancellationToken.None);
        await context.MarkHasSavedStateAsync(CancellationToken.None);

        // Assert
        Assert.That(context.ProcessId, Is.EqualTo("job-1"));
        Assert.That(context.Resume, Is.True);
        Assert.That(context.Progress, Is.EqualTo(new[] { new ProgressEntry(10, "starting"), new ProgressEntry(null, null), new ProgressEntry(null, "indeterminate") }));
        Assert.That(context.Messages, Is.EqualTo(new[] { "starting", "indeterminate" }));
        Assert.That(context.LastPercent, Is.EqualTo(10));
        Assert.That(context.WidgetUpstream, Is.EqualTo(new Uri("http://127.0.0.1:1234/")));
        Assert.That(context.WidgetUpstreamAuth, Is.EqualTo(new BasicAuth("opencode", "pw")));
        Assert.That(context.WidgetUpstreamCount, Is.EqualTo(1));
        Assert.That(context.WidgetData, Is.SameAs(widget));
        Assert.That(context.WidgetDataHistory, Has.Count.EqualTo(1));
        Assert.That(context.SavedStateMarks, Is.EqualTo(2));
        Assert.That(context.HasSavedState, Is.True);
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task WaitForMessageAsync_CompletesWhenAMatchingMessageArrives(CancellationToken cancellationToken)
    {
        var context = new RecordingProcessContext();
        context.ReportProgress(1, "early");
        var waiting = context.WaitForMessageAsync(m => m.StartsWith("Deliverable", StringComparison.Ordinal), cancellationToken);
        Assert.That(waiting.IsCompleted, Is.False);

        await Task.Run(() => context.ReportProgress(null, "Deliverable: out.txt"), cancellationToken);

        Assert.That(await waiting, Is.EqualTo("Deliverable: out.txt"));
        Assert.That(await context.WaitForMessageAsync(m => m == "early", cancellationToken), Is.EqualTo("early"));
        Assert.That((await context.WaitForProgressAsync(p => p.Percent == 1, cancellationToken)).Message, Is.EqualTo("early"));
    }

    [Test]
    public void WaitForMessageAsync_Cancelled_Throws()
    {
        var context = new RecordingProcessContext();
        using var cts = new CancellationTokenSource();
        var waiting = context.WaitForMessageAsync(_ => true, cts.Token);

        cts.Cancel();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task ReportProgress_FromManyThreads_RecordsEveryEntry(CancellationToken cancellationToken)
    {
        var context = new RecordingProcessContext();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(
            () =>
            {
                for (var i = 0; i < 250; i++)
                {
                    context.ReportProgress(i % 100, $"{t}:{i}");
                }
            },
            cancellationToken)));

        Assert.That(context.Progress, Has.Count.EqualTo(2000));
        Assert.That(context.Messages.Distinct().Count(), Is.EqualTo(2000));
    }
}
