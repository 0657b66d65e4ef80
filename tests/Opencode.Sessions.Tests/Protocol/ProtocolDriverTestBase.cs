using System.Collections.Concurrent;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Protocol;
using static Opencode.Sessions.Tests.Protocol.ProtocolTestSupport;

namespace Opencode.Sessions.Tests.Protocol;

/// <summary>
/// A real work directory (<c>deliverables/{out.txt,sub/b.md,c.txt,bad.bin}</c>, <c>AGENTS.md</c>, and
/// <c>secret.txt</c> outside it), a mocked host over it, recorded progress, deliveries and log events.
/// </summary>
public abstract class ProtocolDriverTestBase
{
    private protected ConcurrentQueue<(int? Percent, string? Message)> Progress { get; } = new();

    private protected ConcurrentQueue<Deliverable> Delivered { get; } = new();

    private protected string Root { get; private set; } = null!;

    private protected string Workdir { get; private set; } = null!;

    private protected string DeliverablesDir { get; private set; } = null!;

    private protected RecordingLogger Logger { get; private set; } = null!;

    private protected Mock<IHost> Host { get; private set; } = null!;

    private protected IEnumerable<string?> Messages => Progress.Select(p => p.Message);

    [SetUp]
    public async Task SetUpWorkdir()
    {
        Progress.Clear();
        Delivered.Clear();
        Logger = new RecordingLogger();
        Root = await RealPathAsync(Directory.CreateTempSubdirectory("ocs-driver-").FullName, CancellationToken.None);
        Workdir = Path.Combine(Root, "workdir");
        DeliverablesDir = Path.Combine(Workdir, "deliverables");
        Directory.CreateDirectory(Path.Combine(DeliverablesDir, "sub"));
        File.WriteAllText(Path.Combine(DeliverablesDir, "out.txt"), "hello 42 blue");
        File.WriteAllText(Path.Combine(DeliverablesDir, "sub", "b.md"), "# b é");
        File.WriteAllText(Path.Combine(DeliverablesDir, "c.txt"), "c");
        File.WriteAllBytes(Path.Combine(DeliverablesDir, "bad.bin"), [0x66, 0xFF, 0xFE, 0x67]);
        File.WriteAllText(Path.Combine(Workdir, "AGENTS.md"), "agents");
        File.WriteAllText(Path.Combine(Root, "secret.txt"), "secret");
        Host = CreateHost(Workdir);
    }

    [TearDown]
    public void DeleteWorkdir() => Directory.Delete(Root, recursive: true);

    private protected static IAsyncEnumerable<FollowedLine> Source(params string[] lines) => new ScriptedLines(Lines(lines)).ReadAsync();

    private protected static IAsyncEnumerable<FollowedLine> Source(params FollowedLine[] lines) => new ScriptedLines(lines).ReadAsync();

    /// <summary>A callback that records the deliverable.</summary>
    private protected Task Collect(HookContext context, Deliverable deliverable, CancellationToken cancellationToken)
    {
        Assert.That(context.WorkDirectory, Is.EqualTo(Workdir));
        Delivered.Enqueue(deliverable);
        return Task.CompletedTask;
    }

    private protected ProtocolDriver CreateDriver(DeliverableHandler? handler, ProtocolDriverOptions? options = null) =>
        new(Host.Object, new HookContext(CreateContext(Progress).Object, Host.Object), handler, Logger, options);
}
