namespace Opencode.Sessions.Testing;

/// <summary>One <see cref="IProcessContext.ReportProgress"/> call recorded by a <see cref="RecordingProcessContext"/>.</summary>
/// <param name="Percent">The percentage, or <see langword="null"/> for an indeterminate bar.</param>
/// <param name="Message">The message, or <see langword="null"/>.</param>
public sealed record ProgressEntry(int? Percent, string? Message)
{
    /// <summary>Returns <c>[42%] message</c>, <c>[--] message</c> or similar, for test output.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"[{(Percent is { } p ? p + "%" : "--")}] {Message}";
}
