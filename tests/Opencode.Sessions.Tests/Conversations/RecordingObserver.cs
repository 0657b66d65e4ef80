using Opencode.Sessions.Conversations;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Tests.Conversations;

/// <summary>Records every callback as one line.</summary>
internal sealed class RecordingObserver : ReplyObserver
{
    public List<string> Calls { get; } = [];

    public override void OnPartAdded(ReplyPart part, int index) => Calls.Add($"added {index} {part.Kind}");

    public override void OnPartChanged(ReplyPart part, int index, string delta) => Calls.Add($"changed {index} {delta}");

    public override void OnPartFinalized(ReplyPart part, int index) => Calls.Add($"finalized {index}");

    public override void OnToolProgressed(ReplyPart part, int index, string? status) => Calls.Add($"tool {index} {part.Tool} {status}");

    public override void OnStepFinished(double cost, OpencodeTokens? tokens) => Calls.Add($"step {cost}");

    public override void OnMessageUpdated(OpencodeMessageInfo info) => Calls.Add($"message {info.Id}");

    public override void OnSessionRetried(int? attempt, string message) => Calls.Add($"retry {attempt} {message}");

    public override void OnSessionErrored(string text, OpencodeMessageError? error) => Calls.Add($"error {text}");

    public override void OnTodosChanged(IReadOnlyList<OpencodeTodo> todos) => Calls.Add($"todos {string.Join(",", todos.Select(t => t.Status))}");

    public override void OnQuestionAsked(OpencodeQuestion question) => Calls.Add($"question {question.Id}");

    public override void OnQuestionResolved(string requestId, bool rejected, TimeSpan? waited) => Calls.Add($"resolved {requestId} {rejected} {waited is not null}");

    public override void OnPermissionAsked(PermissionAskedEvent request) => Calls.Add($"permission {request.RequestId}");

    public override void OnPermissionReplied(string requestId, string? reply, TimeSpan? waited) => Calls.Add($"permitted {requestId} {reply}");
}
