namespace Opencode.Sessions.Launching;

/// <summary>How <see cref="OpencodeLauncher"/> starts <c>opencode serve</c>.</summary>
internal sealed record OpencodeLaunchOptions
{
    /// <summary>Gets the opencode executable on the host (from <see cref="OpencodeInstaller"/>).</summary>
    public required string ExecutablePath { get; init; }

    /// <summary>Gets the environment, from <see cref="OpencodeEnvironment.Build"/> (values are literal).</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>
    /// Gets how long opencode may take to print its listening URL. Default 120 s: a bound that catches a hung start, not a
    /// performance target. opencode prints its URL in 2–4 s on a quiet machine but took 19 s at load 15 on 2 cores, and
    /// a start that is killed at the bound fails the whole task; the old 30 s default left too thin a margin.
    /// </summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the time between SIGTERM and SIGKILL in a graceful stop. Default 5 s.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the working directory; <see langword="null"/> = the host's work directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets the setting a ready-timeout message tells the user to raise. Default <c>OpencodeTaskConfig.ReadyTimeout</c>.</summary>
    public string ReadyTimeoutSetting { get; init; } = "OpencodeTaskConfig.ReadyTimeout";
}
