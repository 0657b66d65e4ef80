// Opencode.Sessions demo: one real opencode session on this machine, run like a job runner would run it.
//
//   dotnet run --project samples/Opencode.Sessions.Demo                    offline, with the scripted model
//   dotnet run --project samples/Opencode.Sessions.Demo -- --model anthropic/claude-sonnet-4-5
//                                                                          a real model (its API key in the environment)
//   dotnet run --project samples/Opencode.Sessions.Demo -- --install-only  only make sure opencode is installed
using Microsoft.Extensions.Logging;
using Opencode.Sessions;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;

var options = DemoOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Opencode.Sessions.Demo [--model provider/model] [--install-only] [--verbose]");
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.WriteLine("Cancelling…");
    cancellation.Cancel();
};

// The library's own installer: finds opencode, or installs the pinned version with npm into the per-user cache.
var opencode = await OpencodeInstallation.EnsureInstalledAsync(progress: message => Console.Error.WriteLine($"[install] {message}"), cancellationToken: cancellation.Token);
if (options.InstallOnly)
{
    Console.WriteLine(opencode);
    return 0;
}

using var loggerFactory = LoggerFactory.Create(builder => builder
    .AddSimpleConsole(o => o.SingleLine = true)
    .SetMinimumLevel(options.Verbose ? LogLevel.Debug : LogLevel.Warning));

await using var model = options.Model is null ? await ScriptedModelServer.StartAsync(cancellation.Token) : null;
var config = new OpencodeTaskConfig
{
    ConsumerInstructions = """
        Write a short report about the number 42 to deliverables/report.md and announce it.
        Report progress with STATUS lines as you go, and finish with DONE.
        """,
    OpencodeExecutable = opencode,
    SupportsResume = false,
    LoggerFactory = loggerFactory,
    OnDeliverable = (context, deliverable, ct) =>
    {
        Console.WriteLine($"--- deliverable {deliverable.RelativePath} ---");
        Console.WriteLine(deliverable.Text.TrimEnd());
        Console.WriteLine("---");
        return Task.CompletedTask;
    },
};

if (model is not null)
{
    // Offline: a scripted OpenAI-compatible model drives real opencode through real tool calls.
    model.Enqueue(
        ScriptedReply.LogLine("STATUS: 10% reading the task"),
        ScriptedReply.WriteDeliverable("report.md", "# The number 42\n\n42 is the answer to life, the universe and everything.\n"),
        ScriptedReply.LogLine("STATUS: 100% report written"),
        ScriptedReply.LogLine("DONE: wrote deliverables/report.md"),
        ScriptedReply.Text("The report is in deliverables/report.md."));
    config = config with
    {
        OpencodeConfig = model.CreateOpencodeConfig(),
        Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_MODELS_FETCH"] = "1", ["OPENCODE_DISABLE_SHARE"] = "1" },
    };
    Console.WriteLine($"Using the scripted model at {model.BaseUrl} (pass --model provider/model for a real one).");
}
else
{
    config = config with { Model = options.Model };
    Console.WriteLine($"Using {options.Model}; its API key must be in the environment (for example ANTHROPIC_API_KEY).");
}

var processId = $"demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
var task = OpencodeTaskFactory.Create(processId, "Opencode.Sessions demo", config);
var context = new DemoProcessContext(new ConsoleProcessContext(processId));
try
{
    await task.ExecuteAsync(context, cancellation.Token);
    Console.WriteLine("Session finished: the agent reported DONE.");
    return 0;
}
catch (OperationCanceledException)
{
    Console.WriteLine("Session cancelled.");
    return 130;
}
catch (OpencodeSessionsException ex)
{
    Console.Error.WriteLine($"Session failed: {ex.Message}");
    return 1;
}
