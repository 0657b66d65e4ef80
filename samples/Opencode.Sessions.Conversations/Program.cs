// A two-turn conversation with opencode, fully offline: a scripted model stands in for the LLM.
//
//   dotnet run --project samples/Opencode.Sessions.Conversations
//
// It starts the scripted model server, then `opencode serve` with OpencodeServer.StartAsync (installing opencode
// 1.18.33 into the library's cache first if needed, with npm): a private password, its own HOME/XDG directories in a
// temporary directory, offline switches. Then it holds a conversation whose session id lives in an ISessionRecord
// (here in memory; in an application, a database row).
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

// 1. The scripted model: turn 1 runs a bash command, then answers; turn 2 answers from the history.
await using var model = await ScriptedModelServer.StartAsync(ct);
model.Enqueue(
    ScriptedReply.Bash("echo 'hello from the agent' > greeting.txt", "write a greeting"),
    ScriptedReply.Text("I wrote greeting.txt with a friendly greeting."),
    ScriptedReply.Text("The file greeting.txt contains: hello from the agent."));

// 2. opencode serve on the local machine, isolated from the user's own opencode configuration, with a ready client.
var workdir = Directory.CreateTempSubdirectory("ocs-conversation-").FullName;
await using var server = await OpencodeServer.StartAsync(
    new OpencodeServerOptions
    {
        WorkingDirectory = workdir,
        OpencodeConfig = model.CreateOpencodeConfig(),
        Offline = true,
        LoggerFactory = loggerFactory,
        Progress = m => Console.WriteLine($"[opencode] {m}"),
    },
    ct);

// 3. The conversation: the server's client (scoped to the workdir), and a session bound to a record.
var record = new InMemorySessionRecord("conversation-42");
var conversation = new ConversationSession(
    server.Client,
    record,
    new ConversationSessionOptions { CreateRequest = r => new CreateSessionRequest { Title = $"Conversation {r.RecordId}" } },
    loggerFactory.CreateLogger<ConversationSession>());
var turnOptions = new TurnOptions { Observers = [new ConsoleObserver()] };

foreach (var question in new[] { "Please write a greeting into greeting.txt.", "What does greeting.txt say?" })
{
    Console.WriteLine($"\nuser> {question}");
    Console.Write("assistant> ");
    var result = await conversation.SendAsync(question, turnOptions, ct);
    Console.WriteLine();
    Console.WriteLine($"[{result.Status}] {result.ToolParts.Count} tool call(s), {result.Tokens.Input} in / {result.Tokens.Output} out tokens, {result.Duration.TotalSeconds:0.0}s, session {result.SessionId}");
    if (!result.IsCompleted)
    {
        Console.Error.WriteLine(result.Exception?.ToString() ?? result.ErrorCode);
        return 1;
    }
}

Console.WriteLine($"\ngreeting.txt: {File.ReadAllText(Path.Combine(workdir, "greeting.txt")).Trim()}");
Console.WriteLine($"The record kept one session for both turns: {record.SessionId}");
await server.DisposeAsync();
Directory.Delete(workdir, recursive: true);
return 0;

/// <summary>Prints the reply as it streams: text deltas and tool progress.</summary>
internal sealed class ConsoleObserver : ReplyObserver
{
    public override void OnPartChanged(ReplyPart part, int index, string delta)
    {
        if (part.Kind == ReplyPartKind.Text)
        {
            Console.Write(delta);
        }
    }

    public override void OnToolProgressed(ReplyPart part, int index, string? status)
    {
        if (status is "completed" or "error")
        {
            Console.Write($"[{part.Tool}: {part.Title ?? part.Tool} → {status}] ");
        }
    }
}
