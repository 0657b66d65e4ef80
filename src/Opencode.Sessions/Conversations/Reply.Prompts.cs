using System.Text.Json.Nodes;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Conversations;

/// <content>Questions and permissions: pending state (which suspends the stream's overall timeout) and the question tool part.</content>
public sealed partial class Reply
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, long> _pendingSince = new(StringComparer.Ordinal);
    private readonly Dictionary<(string MessageId, string CallId), OpencodeQuestion> _parkedQuestions = [];

    /// <summary>Gets a value indicating whether a question or permission request is waiting for a human reply.</summary>
    public bool IsWaitingForReply => _pendingSince.Count > 0;

    private void ApplyPromptEvent(OpencodeEvent @event)
    {
        switch (@event)
        {
            case QuestionAskedEvent asked when asked.Question.Id.Length > 0:
                var question = asked.Question;
                _pendingSince[question.Id] = _time.GetTimestamp();
                if (question.Tool is { } tool)
                {
                    _parkedQuestions[(tool.MessageId ?? "", tool.CallId ?? "")] = question;
                }

                MergeQuestion(question);
                Notify(o => o.OnQuestionAsked(question));
                break;
            case QuestionRepliedEvent replied when replied.RequestId.Length > 0:
                var waited = Resolve(replied.RequestId);
                Notify(o => o.OnQuestionResolved(replied.RequestId, rejected: false, waited));
                break;
            case QuestionRejectedEvent rejected when rejected.RequestId.Length > 0:
                var waitedRejected = Resolve(rejected.RequestId);
                Notify(o => o.OnQuestionResolved(rejected.RequestId, rejected: true, waitedRejected));
                break;
            case PermissionAskedEvent permission when permission.RequestId.Length > 0:
                _pendingSince[permission.RequestId] = _time.GetTimestamp();
                Notify(o => o.OnPermissionAsked(permission));
                break;
            case PermissionRepliedEvent permissionReplied when permissionReplied.RequestId.Length > 0:
                var waitedPermission = Resolve(permissionReplied.RequestId);
                Notify(o => o.OnPermissionReplied(permissionReplied.RequestId, permissionReplied.Reply, waitedPermission));
                break;
        }
    }

    private TimeSpan? Resolve(string requestId) =>
        _pendingSince.Remove(requestId, out var since) ? _time.GetElapsedTime(since) : null;

    private void DrainParkedQuestion(ReplyPart part)
    {
        if (part.Tool == "question" && !string.IsNullOrEmpty(part.CallId) &&
            _parkedQuestions.Remove((part.MessageId ?? "", part.CallId), out var question))
        {
            MergeQuestion(question);
        }
    }

    /// <summary>Adds the questions and the ids needed to answer them to the matching <c>question</c> tool part.</summary>
    private void MergeQuestion(OpencodeQuestion question)
    {
        var callId = question.Tool?.CallId;
        if (string.IsNullOrEmpty(callId))
        {
            return;
        }

        var index = _parts.FindIndex(p => p.Kind == ReplyPartKind.Tool && p.Tool == "question" && p.CallId == callId);
        if (index < 0)
        {
            return;
        }

        var part = _parts[index];
        part.Input ??= [];
        part.Input["questions"] = question.Questions is { } questions ? JsonNode.Parse(questions.GetRawText()) : null;
        part.Input["opencode_request_id"] = question.Id;
        part.Input["opencode_message_id"] = question.Tool?.MessageId ?? "";
        part.Input["opencode_call_id"] = callId;
        Notify(o => o.OnToolProgressed(part, index, part.Status));
    }
}
