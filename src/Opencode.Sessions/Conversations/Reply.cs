using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Conversations;

/// <summary>
/// An assistant reply being composed from opencode events: folds deltas and part updates into ordered parts
/// (text, reasoning, tool calls with status), tracks todos, pending questions and permissions, cost and tokens,
/// and tells observers about each transition. Not thread-safe: apply events from one consumer.
/// </summary>
/// <example>
/// <code>
/// var reply = new Reply();
/// await foreach (var e in client.StreamSessionEventsAsync(id, options, ct)) reply.Apply(e);
/// Console.WriteLine(reply.Result.FullText);
/// </code>
/// </example>
public sealed partial class Reply
{
    private static readonly string[] TodoTools = ["todowrite", "todoread"];
    private readonly List<ReplyPart> _parts = [];
    private readonly Dictionary<string, int> _indexById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplyPartKind> _kindById = new(StringComparer.Ordinal);
    private readonly List<ReplyObserver> _observers = [];
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="logger">Receives observer failures; null for none.</param>
    /// <param name="timeProvider">The clock for question/permission wait times; null for the system clock.</param>
    public Reply(ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the live parts in order.</summary>
    public IReadOnlyList<ReplyPart> Parts => _parts;

    /// <summary>Gets the latest assistant message info seen, or null.</summary>
    public OpencodeMessageInfo? Info { get; private set; }

    /// <summary>Gets the summed cost of the finished steps.</summary>
    public double TotalCost { get; private set; }

    /// <summary>Gets the summed input tokens of the finished steps.</summary>
    public long TotalInputTokens { get; private set; }

    /// <summary>Gets the summed output tokens of the finished steps.</summary>
    public long TotalOutputTokens { get; private set; }

    /// <summary>Gets a value indicating whether answer text has started to arrive.</summary>
    public bool FirstTextSeen { get; private set; }

    /// <summary>Gets the number of tool parts.</summary>
    public int ToolCount => _parts.Count(p => p.Kind == ReplyPartKind.Tool);

    /// <summary>Gets the distilled result of the parts so far (copies).</summary>
    public ReplyResult Result => Distill(_parts);

    /// <summary>Adds an observer.</summary>
    /// <param name="observer">The observer.</param>
    /// <returns>This instance.</returns>
    public Reply AddObserver(ReplyObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Add(observer);
        return this;
    }

    /// <summary>Distills parts: full text and reasoning (joined by a blank line) and the terminal tool parts.</summary>
    /// <param name="parts">The parts.</param>
    /// <returns>The result, holding copies of the parts.</returns>
    public static ReplyResult Distill(IEnumerable<ReplyPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var copies = parts.Select(p => p.Clone()).ToArray();
        return new ReplyResult
        {
            Parts = copies,
            FullText = string.Join("\n\n", copies.Where(p => p.Kind == ReplyPartKind.Text).Select(p => p.Content)),
            ReasoningText = string.Join("\n\n", copies.Where(p => p.Kind == ReplyPartKind.Reasoning).Select(p => p.Content)),
            ToolParts = copies.Where(p => p.IsTerminal).ToArray(),
        };
    }

    /// <summary>Applies one event; unknown types are ignored.</summary>
    /// <param name="event">The event.</param>
    public void Apply(OpencodeEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        switch (@event)
        {
            case MessagePartDeltaEvent delta:
                ApplyDelta(delta);
                break;
            case MessagePartUpdatedEvent updated:
                ApplyPartUpdated(updated.Part);
                break;
            case MessageUpdatedEvent message:
                Info = message.Info;
                Notify(o => o.OnMessageUpdated(message.Info));
                break;
            case SessionStatusEvent { Status.Type: "retry" } retry:
                Notify(o => o.OnSessionRetried(retry.Status.Attempt, retry.Status.Message ?? ""));
                break;
            case SessionErrorEvent error:
                Notify(o => o.OnSessionErrored(error.Error?.ToString() ?? "", error.Error));
                break;
            case TodoUpdatedEvent todo:
                ApplyTodos(todo.Todos);
                break;
            default:
                ApplyPromptEvent(@event);
                break;
        }
    }

    /// <summary>Replaces the parts with a recovered baseline; clears ids, totals and the first-text flag.</summary>
    /// <param name="parts">The recovered parts.</param>
    public void ReplaceParts(IEnumerable<ReplyPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _parts.Clear();
        _parts.AddRange(parts);
        _indexById.Clear();
        _kindById.Clear();
        TotalCost = 0;
        TotalInputTokens = 0;
        TotalOutputTokens = 0;
        FirstTextSeen = false;
    }

    /// <summary>
    /// Brings the live parts up to a recovered snapshot position by position, notifying observers of new and
    /// changed parts. Never removes parts.
    /// </summary>
    /// <param name="parts">The recovered parts.</param>
    public void SyncRecoveredParts(IReadOnlyList<ReplyPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        for (var index = 0; index < parts.Count; index++)
        {
            if (index < _parts.Count && _parts[index].SameAs(parts[index]))
            {
                continue;
            }

            var part = parts[index].Clone();
            if (index < _parts.Count)
            {
                _parts[index] = part;
            }
            else
            {
                _parts.Add(part);
                Notify(o => o.OnPartAdded(part, index));
            }

            if (part.Kind == ReplyPartKind.Tool)
            {
                Notify(o => o.OnToolProgressed(part, index, part.Status));
            }
            else
            {
                Notify(o => o.OnPartFinalized(part, index));
            }

            FirstTextSeen |= part.Kind == ReplyPartKind.Text && part.Content.Length > 0;
        }
    }

    /// <summary>Appends a part that did not come from the event stream, without notifying observers.</summary>
    /// <param name="part">The part.</param>
    /// <returns>Its index.</returns>
    public int InjectPart(ReplyPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        _parts.Add(part);
        return _parts.Count - 1;
    }

    private void ApplyDelta(MessagePartDeltaEvent delta)
    {
        if (delta.Field is not ("text" or "reasoning") || delta.Delta.Length == 0)
        {
            return;
        }

        if (!_indexById.TryGetValue(delta.PartId, out var index))
        {
            var kind = _kindById.TryGetValue(delta.PartId, out var known) ? known
                : delta.Field == "reasoning" ? ReplyPartKind.Reasoning : ReplyPartKind.Text;
            index = Append(kind == ReplyPartKind.Text ? ReplyPart.CreateText("") : ReplyPart.CreateReasoning(""), delta.PartId);
        }

        var part = _parts[index];
        part.Content += delta.Delta;
        FirstTextSeen |= delta.Field == "text" && part.Kind == ReplyPartKind.Text;
        Notify(o => o.OnPartChanged(part, index, delta.Delta));
    }

    private void ApplyPartUpdated(OpencodePart part)
    {
        switch (part.Type)
        {
            case "step-finish":
                var cost = part.Cost ?? 0;
                TotalCost += cost;
                TotalInputTokens += part.Tokens?.Input ?? 0;
                TotalOutputTokens += part.Tokens?.Output ?? 0;
                Notify(o => o.OnStepFinished(cost, part.Tokens));
                break;
            case "text" or "reasoning":
                var kind = part.Type == "text" ? ReplyPartKind.Text : ReplyPartKind.Reasoning;
                if (part.Id.Length > 0)
                {
                    _kindById[part.Id] = kind;
                }

                if (_indexById.TryGetValue(part.Id, out var index))
                {
                    Reconcile(index, part.Text);
                }
                else if (!string.IsNullOrWhiteSpace(part.Text))
                {
                    // No delta ever arrived (tail-drop): materialize the whole part.
                    Append(kind == ReplyPartKind.Text ? ReplyPart.CreateText(part.Text) : ReplyPart.CreateReasoning(part.Text), part.Id);
                    FirstTextSeen |= kind == ReplyPartKind.Text;
                }

                break;
            case "tool":
                if (!_indexById.ContainsKey(part.Id))
                {
                    Append(ReplyPart.CreateTool(part.Tool ?? "", part.State?.Status), part.Id);
                }

                ApplyToolState(_indexById[part.Id], part);
                break;
        }
    }

    private void Reconcile(int index, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var part = _parts[index];
        if (part.Content != text)
        {
            // Some providers drop trailing deltas: the updated part's text is authoritative.
            part.Content = text;
        }

        Notify(o => o.OnPartFinalized(part, index));
    }

    private void ApplyToolState(int index, OpencodePart wire)
    {
        var part = _parts[index];
        var state = wire.State;
        if (!string.IsNullOrEmpty(wire.Tool) && wire.Tool != "invalid")
        {
            part.Tool = wire.Tool;
        }

        if (!string.IsNullOrEmpty(state?.Status))
        {
            part.Status = state.Status;
        }

        if (!string.IsNullOrEmpty(state?.Title))
        {
            part.Title = state.Title;
        }

        part.Input = ReplyPart.ToObject(state?.Input) ?? part.Input;
        part.Metadata = ReplyPart.ToObject(state?.Metadata) ?? part.Metadata;
        if (!string.IsNullOrEmpty(state?.Output))
        {
            part.Output = state.Output;
        }

        if (!string.IsNullOrEmpty(state?.Error))
        {
            part.Error = ReplyPart.Truncate(state.Error);
        }

        if (!string.IsNullOrEmpty(wire.CallId))
        {
            part.CallId = wire.CallId;
        }

        if (!string.IsNullOrEmpty(wire.MessageId))
        {
            part.MessageId = wire.MessageId;
        }

        Notify(o => o.OnToolProgressed(part, index, part.Status));
        DrainParkedQuestion(part);
    }

    private void ApplyTodos(IReadOnlyList<OpencodeTodo> todos)
    {
        var canonical = todos.Select(t => t with { Status = t.Status.Replace('-', '_') }).ToArray();
        Notify(o => o.OnTodosChanged(canonical));
        var array = new JsonArray(canonical.Select(TodoJson).ToArray());
        var index = _parts.FindLastIndex(p => p.Kind == ReplyPartKind.Tool && TodoTools.Contains(p.Tool));
        if (index >= 0)
        {
            var part = _parts[index];
            part.Status = string.IsNullOrEmpty(part.Status) ? "completed" : part.Status;
            part.Input ??= [];
            part.Input["todos"] = array;
            Notify(o => o.OnToolProgressed(part, index, part.Status));
        }
        else
        {
            Append(ReplyPart.CreateTool("todowrite", "completed", new JsonObject { ["todos"] = array }, metadata: new JsonObject { ["source"] = ReplyPart.TodoUpdatedSource }), null);
        }
    }

    private static JsonNode TodoJson(OpencodeTodo todo)
    {
        var json = new JsonObject { ["content"] = todo.Content, ["status"] = todo.Status };
        if (todo.Priority is not null)
        {
            json["priority"] = todo.Priority;
        }

        if (todo.Id is not null)
        {
            json["id"] = todo.Id;
        }

        return json;
    }

    private int Append(ReplyPart part, string? id)
    {
        _parts.Add(part);
        var index = _parts.Count - 1;
        if (!string.IsNullOrEmpty(id))
        {
            _indexById[id] = index;
            _kindById[id] = part.Kind;
        }

        Notify(o => o.OnPartAdded(part, index));
        return index;
    }

    private void Notify(Action<ReplyObserver> callback)
    {
        foreach (var observer in _observers)
        {
            try
            {
                callback(observer);
            }
#pragma warning disable CA1031 // An observer (UI, persistence) must not break the reply it watches.
            catch (Exception e)
#pragma warning restore CA1031
            {
                ConversationsLog.ObserverFailed(_logger, observer.GetType().Name, e);
            }
        }
    }
}
