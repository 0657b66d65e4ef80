namespace Opencode.Sessions.Opencode;

/// <summary>What opencode does when a tool call matches a permission rule.</summary>
public enum PermissionAction
{
    /// <summary>Run without asking.</summary>
    Allow,

    /// <summary>Refuse.</summary>
    Deny,

    /// <summary>Ask (a <c>permission.asked</c> event; a headless turn then waits for a reply).</summary>
    Ask,
}
