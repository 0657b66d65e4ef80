namespace Opencode.Sessions.Hosting;

/// <summary>What <see cref="IHost.LaunchAsync"/> starts.</summary>
/// <param name="FileName">The program.</param>
/// <param name="Arguments">The arguments (never put secrets here: argv is visible to every user of the host).</param>
public sealed record HostProcessStartInfo(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Gets the working directory; <see langword="null"/> = the host's work directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets environment variables added to (or, with a <see langword="null"/> value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// Gets a callback that receives every line of standard output and standard error (merged), for the whole life of
    /// the process. It runs on a reader thread; keep it quick and never throw from it.
    /// </summary>
    public Action<string>? OutputLine { get; init; }

    /// <summary>Gets the time between SIGTERM and SIGKILL in a graceful termination. Default 5 s.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);
}
