namespace Opencode.Sessions.Opencode.Events;

/// <summary><c>todo.updated</c>: the agent's plan changed.</summary>
public sealed record TodoUpdatedEvent : OpencodeEvent
{
    /// <summary>The wire type of this event.</summary>
    public const string WireType = "todo.updated";

    /// <summary>Initializes a new instance with <see cref="OpencodeEvent.Type"/> set to <see cref="WireType"/>.</summary>
    public TodoUpdatedEvent()
    {
        Type = WireType;
    }

    /// <summary>Gets the whole plan.</summary>
    public IReadOnlyList<OpencodeTodo> Todos { get; init; } = [];
}
