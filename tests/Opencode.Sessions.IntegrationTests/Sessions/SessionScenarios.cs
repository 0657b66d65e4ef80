using System.Globalization;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>
/// The session lifecycle, end to end: a real opencode driven by the scripted model through
/// <see cref="TaskInstance.ExecuteAsync"/>. The scenarios are written once, here; each kind of host (local, SSH) is a
/// small subclass that says how the host is made and how to look at it.
/// </summary>
/// <remarks>
/// <para>Every test gets a private temp root holding its task root and its snapshot store, a fresh process id, and a
/// model script registered for its work directory, so fixtures can run in parallel with one another. After each
/// test no process may run under its root (opencode, tools, tail…): survivors fail the test and are killed.</para>
/// <para>Hosts in these tests live on this machine (the test sshd included), so the task root is a local directory
/// and the process scan reads the local /proc; a subclass for a truly remote host overrides
/// <see cref="FindProcessesUnder"/>. Files are looked at through a fresh host of the kind under test.</para>
/// </remarks>
public abstract partial class SessionScenarios
{
    /// <summary>
    /// The timeout of a test with one session: a hang bound. A fresh SSH session takes about 30 s on a quiet 2-core
    /// machine (opencode start, a dozen SSH channels), several times that at load 8–15.
    /// </summary>
    protected const int OneSessionTimeout = 300_000;

    /// <summary>The timeout of a test with two sessions (a run and its resume): a hang bound.</summary>
    protected const int TwoSessionTimeout = 600_000;

    /// <summary>A resume.log line: a UTC time to the second.</summary>
    private const string IsoLinePattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$";

    private readonly List<RecordingProcessContext> _contexts = [];
    private ScriptedModelServer? _model;
    private TempDirectory? _root;
    private RecordingLoggerFactory _logs = new();

    /// <summary>Gets the scripted model shared by the fixture's tests (each test scripts its own work directory).</summary>
    protected ScriptedModelServer Model => _model ?? throw new InvalidOperationException("The model server is not started.");

    /// <summary>Gets the test's private root (task root and snapshot store are below it).</summary>
    protected string Root => _root?.Path ?? throw new InvalidOperationException("No test is running.");

    /// <summary>Gets the task root on the host: task directories are <c>&lt;TaskRoot&gt;/&lt;processId&gt;</c>.</summary>
    protected string TaskRoot => Path.Combine(Root, "tasks");

    /// <summary>Gets the test's snapshot store (a file-system store below <see cref="Root"/>).</summary>
    protected FileSystemSnapshotStore Store { get; private set; } = null!;

    /// <summary>Points a configuration at the host under test (the local machine, an SSH target…).</summary>
    /// <param name="config">A complete configuration except for the host.</param>
    /// <returns>The configuration with the host set; its task root must be <see cref="TaskRoot"/>.</returns>
    protected abstract OpencodeTaskConfig ConfigureHost(OpencodeTaskConfig config);

    /// <summary>Connects a fresh host of the kind under test, used to look at the host's file system and processes.</summary>
    /// <param name="cancellationToken">A token to cancel the connection.</param>
    /// <returns>A connected host; the caller disposes it.</returns>
    protected abstract Task<IHost> ConnectInspectionHostAsync(CancellationToken cancellationToken);

    /// <summary>Lists the live processes on the host that run under, or name, <paramref name="root"/>.</summary>
    /// <param name="root">The test's root.</param>
    /// <returns>The processes.</returns>
    private protected virtual IReadOnlyList<ProcessEntry> FindProcessesUnder(string root) => ProcessAssertions.FindUnder(root);

    [OneTimeSetUp]
    public async Task StartModelAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _model = await ScriptedModelServer.StartAsync(timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopModelAsync()
    {
        if (_model is not null)
        {
            await _model.DisposeAsync();
        }
    }

    [SetUp]
    public void CreateRoot()
    {
        _root = new TempDirectory("ocs-session-");
        _logs = new RecordingLoggerFactory();
        _contexts.Clear();
        Directory.CreateDirectory(TaskRoot);
        Store = new FileSystemSnapshotStore(new FileSystemSnapshotStoreOptions { RootDirectory = Path.Combine(Root, "snapshots") });
    }

    [TearDown]
    public async Task AssertNothingLeftAsync()
    {
        try
        {
            if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
            {
                foreach (var context in _contexts)
                {
                    TestContext.Out.WriteLine($"--- {context.ProcessId} (resume: {context.Resume}): {Describe(context, context.ProcessId)}");
                }

                TestContext.Out.WriteLine("--- every model request of the fixture ---\n" + string.Join("\n", Model.Requests.Select(r => $"{r} dir={r.WorkingDirectory} last user: {r.LastUserText?[..Math.Min(60, r.LastUserText.Length)]}")));
                TestContext.Out.WriteLine("--- library log ---\n" + string.Join("\n", _logs.Lines));
            }

            await ProcessAssertions.NoProcessUnderAsync(Root, ProcessTable.SettleTimeout, FindProcessesUnder);
        }
        finally
        {
            _root?.Dispose();
            _root = null;
        }
    }

    /// <summary>Returns a process id unique to this test run (a safe path segment).</summary>
    protected static string NewProcessId(string scenario) => $"{scenario}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Creates a process context whose progress is printed if the test fails.</summary>
    protected RecordingProcessContext NewContext(string processId, bool resume = false)
    {
        var context = new RecordingProcessContext(processId, resume);
        _contexts.Add(context);
        return context;
    }

    /// <summary>Gets the task directory of a process on the host.</summary>
    protected string TaskDirectoryOf(string processId) => $"{TaskRoot}/{processId}";

    /// <summary>Gets the work directory of a process on the host (where opencode runs, and the model sees).</summary>
    protected string WorkDirectoryOf(string processId) => $"{TaskRoot}/{processId}/workdir";

    /// <summary>
    /// A configuration for the scripted model: real opencode, offline, this test's snapshot store, the host under test.
    /// </summary>
    protected OpencodeTaskConfig CreateConfig(bool supportsResume) => ConfigureHost(new OpencodeTaskConfig
    {
        ConsumerInstructions = "Follow the scripted steps.",
        OpencodeConfig = Model.CreateOpencodeConfig(),
        OpencodeExecutable = TestOpencode.ExecutablePath,
        InstallIfMissing = false,
        Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_MODELS_FETCH"] = "1", ["OPENCODE_DISABLE_SHARE"] = "1" },
        SupportsResume = supportsResume,
        SnapshotStore = supportsResume ? Store : null,
        ShutdownGracePeriod = TimeSpan.FromSeconds(3),
        LoggerFactory = _logs,
    });

    /// <summary>Scripts the model's answers for one process's work directory.</summary>
    protected void Script(string processId, params ScriptedReply[] replies) => Model.EnqueueForDirectory(WorkDirectoryOf(processId), replies);

    /// <summary>The agent (non-title) requests the model received from one process's work directory, in order.</summary>
    protected IReadOnlyList<ModelRequest> AgentRequestsOf(string processId) =>
        Model.Requests.Where(r => !r.IsTitleRequest && r.WorkingDirectory == WorkDirectoryOf(processId)).ToList();

    /// <summary>Runs a <c>/bin/sh</c> script on the host through a fresh inspection host (in <c>/</c>).</summary>
    protected async Task<HostCommandResult> RunOnHostAsync(string script, CancellationToken cancellationToken, params string[] arguments)
    {
        var host = await ConnectInspectionHostAsync(cancellationToken);
        await using (host)
        {
            return await host.RunCommandAsync(HostCommand.Shell(script, arguments) with { WorkingDirectory = "/" }, cancellationToken);
        }
    }

    /// <summary>Whether a path exists on the host.</summary>
    protected async Task<bool> ExistsOnHostAsync(string path, CancellationToken cancellationToken)
    {
        var result = await RunOnHostAsync("""if [ -e "$1" ] || [ -L "$1" ]; then echo yes; else echo no; fi""", cancellationToken, path);
        Assert.That(result.StandardOutput, Is.EqualTo("yes\n").Or.EqualTo("no\n"), $"checking {path} on the host: {result.StandardError}");
        return result.StandardOutput == "yes\n";
    }

    /// <summary>The opencode servers running in a process's work directory.</summary>
    private protected IReadOnlyList<ProcessEntry> OpencodeServersOf(string processId) =>
        FindProcessesUnder(TaskDirectoryOf(processId)).Where(p => p.CommandLine.Contains(" serve ", StringComparison.Ordinal)).ToList();

    /// <summary>SIGKILLs the process group of the opencode server of a process, on the host, as an OOM killer would.</summary>
    protected async Task KillOpencodeAsync(string processId, CancellationToken cancellationToken)
    {
        var groups = OpencodeServersOf(processId).Select(p => p.ProcessGroup).Distinct().ToList();
        Assert.That(groups, Has.Count.EqualTo(1), "exactly one opencode server runs for the session");
        var result = await RunOnHostAsync("""kill -s KILL -- "-$1" """, cancellationToken, groups[0].ToString(CultureInfo.InvariantCulture));
        Assert.That(result.Succeeded, Is.True, result.StandardError);
    }

    /// <summary>Asserts that the session stopped the processes its agent left running (and that there were some).</summary>
    protected void AssertLeftoverProcessesStopped(RecordingProcessContext context, string processId)
    {
        Assert.That(context.Messages, Has.Some.Match(@"^Stopped [1-9][0-9]* process\(es\) the agent left running$"), Describe(context, processId));
        Assert.That(FindProcessesUnder(TaskDirectoryOf(processId)), Is.Empty, "nothing the agent started survives the session");
    }

    /// <summary>A deliverable callback that collects what it receives into <paramref name="received"/>.</summary>
    protected static DeliverableHandler CollectInto(List<Deliverable> received) => (_, deliverable, _) =>
    {
        lock (received)
        {
            received.Add(deliverable);
        }

        return Task.CompletedTask;
    };

    /// <summary>
    /// Starts a session whose agent puts a command in the background, reports 10 % and then hangs mid-answer, and
    /// returns once the hanging request arrived.
    /// </summary>
    protected async Task<Task> StartHangingSessionAsync(string processId, OpencodeTaskConfig config, RecordingProcessContext context, CancellationToken runToken, CancellationToken cancellationToken)
    {
        Script(
            processId,
            ScriptedReply.Bash("nohup sleep 600 > /dev/null 2>&1 &", "start a background job"),
            ScriptedReply.LogLine("STATUS: 10% working"),
            ScriptedReply.Hang("Thinking"));
        var run = OpencodeTaskFactory.Create(processId, processId, config).ExecuteAsync(context, runToken);
        var hanging = Model.WaitForRequestAsync(r => r.WorkingDirectory == WorkDirectoryOf(processId) && r.Reply?.Kind == ScriptedReplyKind.Hang, cancellationToken);
        await Task.WhenAny(hanging, run);
        if (!hanging.IsCompleted)
        {
            await run; // it ended before the model hung: surface why
            Assert.Fail("The session finished before the model hung. " + Describe(context, processId));
        }

        return run;
    }

    /// <summary>
    /// Asserts that the run that just ended saved a snapshot (the process's snapshots have these end states, newest
    /// first), marked the saved state once, and wiped its task directory.
    /// </summary>
    protected async Task AssertSnapshotSavedAndTaskDirectoryWipedAsync(string processId, RecordingProcessContext context, SnapshotEndState[] endStatesNewestFirst, CancellationToken cancellationToken)
    {
        var snapshots = await Store.ListAsync(processId, cancellationToken);
        Assert.That(snapshots.Select(s => s.EndState), Is.EqualTo(endStatesNewestFirst), "the stored snapshots' end states");
        Assert.That(context.SavedStateMarks, Is.EqualTo(1), "hasSavedState marked once");
        Assert.That(await ExistsOnHostAsync(TaskDirectoryOf(processId), cancellationToken), Is.False, "the task directory is wiped after the snapshot");
    }

    /// <summary>Runs <paramref name="action"/> and returns what it threw (<see langword="null"/> when it succeeded).</summary>
    protected static async Task<Exception?> CatchAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>Asserts that a file holds one ISO-8601 UTC line per run, strictly increasing.</summary>
    protected static void AssertIsoLines(string text, int count)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(count), text);
        Assert.That(lines, Has.All.Match(IsoLinePattern), text);
        Assert.That(lines, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal).And.Unique, "the lines increase");
    }

    /// <summary>A one-line description of what a run reported, for failure messages.</summary>
    protected string Describe(RecordingProcessContext context, string processId) =>
        $"progress: [{string.Join(" | ", context.Messages)}]; model requests: [{string.Join(", ", AgentRequestsOf(processId))}]";
}
