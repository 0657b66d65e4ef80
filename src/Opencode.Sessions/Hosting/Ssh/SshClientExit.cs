namespace Opencode.Sessions.Hosting.Ssh;

/// <summary>How an <see cref="SshClientProcess"/> ended.</summary>
/// <param name="SshExitCode">The local ssh client's exit code (255 = ssh's own failure).</param>
/// <param name="RemoteExitCode">The exit code the remote script reported, or <see langword="null"/> if the channel dropped first.</param>
/// <param name="StandardError">What was printed on stderr (remote program and ssh), without marker lines.</param>
/// <param name="NoDirectory">The script could not change to the requested working directory.</param>
internal readonly record struct SshClientExit(int SshExitCode, int? RemoteExitCode, string StandardError, bool NoDirectory);
