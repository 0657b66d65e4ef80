using System.Collections.Concurrent;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Tests.Opencode;

namespace Opencode.Sessions.Tests.Tasks;

/// <summary>
/// Runs the whole session lifecycle against fakes: a <see cref="FakeHost"/> whose command handler answers the
/// installer, whose launched "opencode" prints a ready line pointing at an in-test HTTP stub that plays opencode's
/// session API, and a <see cref="RecordingProcessContext"/>. The "agent" is the test: it writes optio.log lines with
/// <see cref="WriteLog"/>.
/// </summary>
internal sealed class TaskRunnerHarness : IAsyncDisposable
{
    public const string ProcessId = "lifecycle-1";
    public const string SessionId = "ses_lifecycle0001";
    public const string OpencodePath = "/usr/local/bin/opencode";
    public const string CacheRoot = "/home/fake/.cache/opencode-sessions";

    private readonly TaskCompletionSource _prompted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<(string Name, int CallCount)> _marks = new();

    public TaskRunnerHarness(string? taskDirectory = null)
    {
        Host = new FakeHost(taskDirectory ?? "/fake/tasks/" + ProcessId) { CommandHandler = Answer, OnLaunch = Launched };
        Opencode = new StubHttpServer(ServeAsync);
        Context = new RecordingProcessContext(ProcessId);
    }

    public FakeHost Host { get; }

    /// <summary>Gets the stub playing opencode's HTTP API (POST /session, GET /session/:id, POST /session/:id/prompt_async).</summary>
    public StubHttpServer Opencode { get; }

    public RecordingProcessContext Context { get; }

    /// <summary>Gets or sets a value indicating whether the installer finds opencode on the host's PATH.</summary>
    public bool OpencodeFound { get; set; } = true;

    /// <summary>Gets or sets the stub's answer to <c>GET /session/:id/message</c>; <see langword="null"/> answers 404.</summary>
    public string? MessagesJson { get; set; } = $$"""[{"info":{"id":"msg_live0001","sessionID":"{{SessionId}}","role":"user"},"parts":[{"id":"prt_live0001","type":"text","text":"live «transcript»"}]}]""";

    /// <summary>Gets or sets how many <c>POST /session</c> calls answer 503 before one succeeds.</summary>
    public int SessionCreateFailures { get; set; }

    /// <summary>Gets or sets the session's run state in <c>GET /session/status</c> (<see langword="null"/> = idle, absent).</summary>
    public string? SessionStatus { get; set; }

    /// <summary>Gets or sets a test's own answers; a <see langword="null"/> result falls back to the defaults.</summary>
    public Func<HostCommand, HostCommandResult?>? Commands { get; set; }

    /// <summary>Gets a task that completes when the start (or resume) prompt reached the stub.</summary>
    public Task Prompted => _prompted.Task;

    public string OptioLog => Host.WorkDirectory + "/optio.log";

    /// <summary>Gets the launched opencode process.</summary>
    public FakeHostProcess Process => Host.Processes.Single();

    public IEnumerable<StubRequest> PromptRequests => Opencode.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/prompt_async", StringComparison.Ordinal));

    /// <summary>A valid configuration for the fakes; <paramref name="configure"/> adjusts it.</summary>
    public TaskInstance CreateTask(Func<OpencodeTaskConfig, OpencodeTaskConfig>? configure = null)
    {
        var config = new OpencodeTaskConfig
        {
            ConsumerInstructions = "Write deliverables/out.md.",
            HostFactory = _ => Host,
            SupportsResume = false,
            ReadyTimeout = TimeSpan.FromSeconds(5),
            ShutdownGracePeriod = TimeSpan.FromSeconds(1),
        };
        return OpencodeTaskFactory.Create(ProcessId, "lifecycle test", configure is null ? config : configure(config));
    }

    /// <summary>The agent writes a line to optio.log (through the fake host, as the real agent writes a file).</summary>
    public void WriteLog(string line) => Host.AppendToFile(OptioLog, line + "\n");

    /// <summary>Records that a hook ran, with its position among the host's calls.</summary>
    public void Mark(string name) => _marks.Enqueue((name, Host.Calls.Count));

    /// <summary>Gets the names of the hooks marked so far, in order.</summary>
    public IReadOnlyList<string> Marks => _marks.Select(m => m.Name).ToArray();

    /// <summary>
    /// The host's calls (the installer's lookup shown as <c>Install</c>) merged with the hook marks, in the order they
    /// happened, keeping only <paramref name="interesting"/> labels.
    /// </summary>
    public IReadOnlyList<string> Timeline(params string[] interesting)
    {
        var calls = Host.Calls;
        var marks = _marks.ToArray();
        var merged = new List<string>();
        for (var i = 0; i <= calls.Count; i++)
        {
            merged.AddRange(marks.Where(m => m.CallCount == i).Select(m => m.Name));
            if (i < calls.Count)
            {
                merged.Add(IsInstallerLookup(calls[i].Target) ? "Install" : calls[i].Operation);
            }
        }

        return merged.Where(interesting.Contains).ToArray();
    }

    /// <summary>Starts the task, waits for the start prompt, then lets the agent write <paramref name="lines"/>.</summary>
    /// <returns>The running <see cref="TaskInstance.ExecuteAsync"/>.</returns>
    public async Task<Task> StartAsync(TaskInstance task, CancellationToken cancellationToken, params string[] lines)
    {
        var run = task.ExecuteAsync(Context, cancellationToken);
        await WaitUntilPromptedAsync(run, cancellationToken);
        foreach (var line in lines)
        {
            WriteLog(line);
        }

        return run;
    }

    /// <summary>Runs the task to a clean DONE.</summary>
    public async Task RunToDoneAsync(TaskInstance task, CancellationToken cancellationToken) =>
        await await StartAsync(task, cancellationToken, "DONE");

    /// <summary>Waits until the start prompt reached the stub; if the run ends first, its exception surfaces.</summary>
    private async Task WaitUntilPromptedAsync(Task run, CancellationToken cancellationToken)
    {
        await Task.WhenAny(Prompted, run).WaitAsync(cancellationToken);
        if (!Prompted.IsCompleted)
        {
            await run;
            Assert.Fail("The session ended before the start prompt was sent.");
        }
    }

    /// <summary>Gets the commands whose script contains <paramref name="fragment"/>.</summary>
    public IReadOnlyList<HostCommand> CommandsWith(string fragment) =>
        Host.Commands.Where(c => c.Arguments.Any(a => a.Contains(fragment, StringComparison.Ordinal))).ToArray();

    public async ValueTask DisposeAsync()
    {
        await Opencode.DisposeAsync();
        await Host.DisposeAsync();
    }

    /// <summary>Only the installer's lookup script calls <c>oc_root "$1"</c>.</summary>
    private static bool IsInstallerLookup(string? commandLine) =>
        commandLine is not null && commandLine.Contains("oc_root \"$1\"", StringComparison.Ordinal);

    private static HostCommandResult Ok(string stdout = "") => new(0, stdout, "");

    private HostCommandResult Answer(HostCommand command)
    {
        if (Commands?.Invoke(command) is { } custom)
        {
            return custom;
        }

        var script = command.FileName == "/bin/sh" && command.Arguments.Count > 1 ? command.Arguments[1] : "";
        if (script == OpencodeInstallScripts.Locate)
        {
            return Ok(OpencodeFound ? $"root={CacheRoot}\npath={OpencodePath}\n" : $"root={CacheRoot}\n");
        }

        if (script.EndsWith("--version", StringComparison.Ordinal))
        {
            return Ok(OpencodeTaskConfig.DefaultOpencodeVersion + "\n");
        }

        if (script.Contains("export \"$id\"", StringComparison.Ordinal))
        {
            // opencode export: the target file is the last argument.
            Host.AddFile(command.Arguments[^1], $$"""{"info":{"id":"{{SessionId}}"},"messages":[]}""");
        }

        return Ok();
    }

    private void Launched(FakeHostProcess process) =>
        process.WriteOutput($"opencode server listening on http://127.0.0.1:{Opencode.BaseAddress.Port}");

    private async Task ServeAsync(StubRequest request, StubResponse response, CancellationToken cancellationToken)
    {
        var session = $$"""{"id":"{{SessionId}}","slug":"test","projectID":"global","directory":"{{Host.WorkDirectory}}","title":"t","version":"1.18.33"}""";
        switch (request.Method, request.Path)
        {
            case ("POST", "/session") when SessionCreateFailures > 0:
                SessionCreateFailures--;
                await response.RespondAsync(503, """{"name":"UnknownError","data":{"message":"still starting"}}""");
                break;
            case ("POST", "/session"):
                await response.RespondAsync(200, session);
                break;
            case ("GET", "/session/" + SessionId):
                await response.RespondAsync(200, session);
                break;
            case ("GET", "/session/" + SessionId + "/message") when MessagesJson is not null:
                await response.RespondAsync(200, MessagesJson);
                break;
            case ("GET", "/session/status"):
                await response.RespondAsync(200, SessionStatus is null ? "{}" : $$$"""{"{{{SessionId}}}":{"type":"{{{SessionStatus}}}"}}""");
                break;
            case ("POST", "/session/" + SessionId + "/prompt_async"):
                await response.RespondAsync(204);
                _prompted.TrySetResult();
                break;
            default:
                await response.RespondAsync(404, """{"name":"NotFoundError","data":{"message":"not found"}}""");
                break;
        }
    }
}
