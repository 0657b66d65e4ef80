using System.Runtime.CompilerServices;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Protocol;
using Opencode.Sessions.Tests.Protocol;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Item 7 (log hygiene): agent text reaches progress and the console without control characters; a flood costs bounded callbacks.</summary>
[TestFixture]
[Category("Security")]
public sealed class LogHygieneSecurityTests : ProtocolDriverTestBase
{
    private const string Hostile = "STATUS: 50% \u001b]0;pwned title\u0007\u001b[2Jfake\rDONE: forged\u202eevil\u0085\u009b31m";

    [Test]
    [CancelAfter(10_000)]
    public async Task Item7_StatusWithEscapeSequences_ReachesTheContextWithoutControlCharacters(CancellationToken cancellationToken)
    {
        await using var driver = CreateDriver(null);

        var outcome = await driver.RunAsync(Source(Hostile, "weird \u001b[31mred\u0007 line", "DONE: bye\u001b[2J"), cancellationToken);

        Assert.That(outcome, Is.TypeOf<ProtocolOutcome.Done>());
        Assert.That(Progress.Select(p => p.Message), Has.All.Matches<string?>(m => m is not null && !HasControl(m)));
        Assert.That(Progress.First(), Is.EqualTo(((int?)50, "\\x1b]0;pwned title\\x07\\x1b[2Jfake\\x0dDONE: forged\\u202eevil\\x85\\x9b31m")));
        Assert.That(((ProtocolOutcome.Done)outcome).Summary, Is.EqualTo("bye\\x1b[2J"));
    }

    [Test]
    public void Item7_ParserNeutralisesEveryKind()
    {
        var line = LogLineParser.Parse("ERROR: a\u0000b\u007fc\u2066d\u2069e\tf\u2028g");

        Assert.That(line, Is.EqualTo(new ErrorLine("a\\x00b\\x7fc\\u2066d\\u2069e\tf\\u2028g")));
    }

    [Test]
    public void Item7_ConsoleContext_NeutralisesWhatItPrints()
    {
        using var output = new StringWriter();
        var context = new ConsoleProcessContext("p", output: output);

        context.ReportProgress(5, "x\u001b]0;t\u0007y\rz");

        Assert.That(output.ToString(), Is.EqualTo("[  5%] x\\x1b]0;t\\x07y\\x0dz" + Environment.NewLine));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Item7_TwoMillionJunkLines_CostBoundedCallbacksAndTheDoneIsSeen(CancellationToken cancellationToken)
    {
        // A clock that never moves: every bound below is a count, whatever the machine's speed.
        var context = new CountingContext();
        await using var driver = new ProtocolDriver(Host.Object, new HookContext(context, Host.Object), null, Logger, new ProtocolDriverOptions { TimeProvider = new FrozenClock() });

        var outcome = await driver.RunAsync(Flood(2_000_000, "DONE: finished"), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done("finished")));
        Assert.That(context.Calls, Is.LessThanOrEqualTo(ProtocolDriverOptions.Default.ProgressBurst + 3), "callbacks for 2,000,000 junk lines");
        Assert.That(context.Last, Is.EqualTo("finished"));
        Assert.That(context.Messages, Has.Some.Contains("skipped 1999"));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Item7_TwoMillionJunkLines_RealClock_StayFarBelowOneCallbackPerLine(CancellationToken cancellationToken)
    {
        var context = new CountingContext();
        await using var driver = new ProtocolDriver(Host.Object, new HookContext(context, Host.Object), null, Logger);

        var outcome = await driver.RunAsync(Flood(2_000_000, "DONE"), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Done(null)));
        Assert.That(context.Calls, Is.LessThan(5_000), "callbacks for 2,000,000 junk lines (10 per second would need 8 minutes to reach this)");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Item7_StatusFlood_IsCoalescedButTheLastStatusIsNeverLost(CancellationToken cancellationToken)
    {
        var context = new CountingContext();
        await using var driver = new ProtocolDriver(Host.Object, new HookContext(context, Host.Object), null, Logger, new ProtocolDriverOptions { TimeProvider = new FrozenClock() });
        var lines = Enumerable.Range(0, 100_000).Select(i => $"STATUS: {i % 100}% step {i}").Append("ERROR: gave up").ToArray();

        var outcome = await driver.RunAsync(Source(lines), cancellationToken);

        Assert.That(outcome, Is.EqualTo(new ProtocolOutcome.Error("gave up")));
        Assert.That(context.Calls, Is.LessThanOrEqualTo(ProtocolDriverOptions.Default.ProgressBurst + 2));
        Assert.That(context.Messages, Does.Contain("step 99999"));
    }

    private static bool HasControl(string text) =>
        text.Any(c => (char.IsControl(c) && c != '\t') || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069');

    private static async IAsyncEnumerable<FollowedLine> Flood(int count, string last, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var junk = new FollowedLine("junk \u001b[2J line that matches nothing");
        for (var i = 0; i < count; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await Task.Yield();
            }

            yield return junk;
        }

        yield return new FollowedLine(last);
    }

    private sealed class FrozenClock : TimeProvider
    {
        public override long GetTimestamp() => 1_000_000;
    }

    private sealed class CountingContext : IProcessContext
    {
        private readonly Queue<string?> _recent = new();
        private int _calls;

        public string ProcessId => "p";

        public bool Resume => false;

        public int Calls => Volatile.Read(ref _calls);

        public string? Last { get; private set; }

        public IReadOnlyList<string?> Messages
        {
            get
            {
                lock (_recent)
                {
                    return [.. _recent];
                }
            }
        }

        public void ReportProgress(int? percent, string? message)
        {
            Interlocked.Increment(ref _calls);
            lock (_recent)
            {
                Last = message;
                _recent.Enqueue(message);
                if (_recent.Count > 1000)
                {
                    _recent.Dequeue();
                }
            }
        }

        public Task SetWidgetUpstreamAsync(Uri upstream, BasicAuth? innerAuth, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetWidgetDataAsync(WidgetData data, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task MarkHasSavedStateAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
