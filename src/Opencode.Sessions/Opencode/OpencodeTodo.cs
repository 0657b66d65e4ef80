namespace Opencode.Sessions.Opencode;

/// <summary>One item of the agent's plan (<c>todo.updated</c>, <c>todowrite</c>).</summary>
public sealed record OpencodeTodo
{
    /// <summary>Gets the item id, or null.</summary>
    public string? Id { get; init; }

    /// <summary>Gets the text.</summary>
    public string Content { get; init; } = "";

    /// <summary>Gets the status (<c>pending</c>, <c>in_progress</c>, <c>completed</c>, <c>cancelled</c>).</summary>
    public string Status { get; init; } = "";

    /// <summary>Gets the priority (<c>high</c>, <c>medium</c>, <c>low</c>), or null.</summary>
    public string? Priority { get; init; }
}
