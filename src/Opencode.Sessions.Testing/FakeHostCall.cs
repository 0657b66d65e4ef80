namespace Opencode.Sessions.Testing;

/// <summary>One recorded call on a <see cref="FakeHost"/> (or on a process it launched).</summary>
/// <param name="Operation">The <see cref="global::Opencode.Sessions.Hosting.IHost"/> member name, for example <c>WriteFileAsync</c>
/// (<c>TerminateAsync</c> for a launched process).</param>
/// <param name="Target">What it acted on (a path, a command line, a port, a termination mode), or <see langword="null"/>.</param>
public sealed record FakeHostCall(string Operation, string? Target)
{
    /// <summary>Returns <c>Operation(target)</c> or <c>Operation</c>.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => Target is null ? Operation : $"{Operation}({Target})";
}
