namespace Opencode.Sessions.Opencode;

/// <summary>One permission rule of a session: <c>{permission, pattern, action}</c>.</summary>
/// <param name="Permission">The permission name (a tool such as <c>bash</c>, <c>edit</c>, <c>webfetch</c>, or <c>*</c>).</param>
/// <param name="Pattern">The pattern the call's target must match (<c>*</c> for any).</param>
/// <param name="Action">What to do on a match.</param>
public sealed record PermissionRule(string Permission, string Pattern, PermissionAction Action);
