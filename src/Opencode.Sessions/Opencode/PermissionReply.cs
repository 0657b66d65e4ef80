namespace Opencode.Sessions.Opencode;

/// <summary>An answer to a <c>permission.asked</c> request.</summary>
public enum PermissionReply
{
    /// <summary>Allow this one call.</summary>
    Once,

    /// <summary>Allow this and matching future calls.</summary>
    Always,

    /// <summary>Refuse the call.</summary>
    Reject,
}
