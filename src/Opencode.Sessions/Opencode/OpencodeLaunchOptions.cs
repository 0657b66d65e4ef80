namespace Opencode.Sessions.Opencode;

/// <summary>How <see cref="OpencodeLauncher"/> starts <c>opencode serve</c>.</summary>
internal sealed record OpencodeLaunchOptions
{
    /// <summary>Gets the opencode executable on the host (from <see cref="OpencodeInstaller"/>).</summary>
    public required string ExecutablePath { get; init; }

    /// <summary>Gets the environment, from <see cref="OpencodeEnvironment.Build"/> (values are literal).</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }

    /// <summary>Gets how long opencode may take to print its listening URL. Default 30 s.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the time between SIGTERM and SIGKILL in a graceful stop. Default 5 s.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the working directory; <see langword="null"/> = the host's work directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Creates the options a task configuration implies.</summary>
    /// <param name="executablePath">The opencode executable on the host.</param>
    /// <param name="environment">The environment from <see cref="OpencodeEnvironment.Build"/>.</param>
    /// <param name="config">The task configuration (ready timeout, grace period).</param>
    /// <returns>The options.</returns>
    public static OpencodeLaunchOptions FromConfig(string executablePath, IReadOnlyDictionary<string, string?> environment, OpencodeTaskConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new OpencodeLaunchOptions
        {
            ExecutablePath = executablePath,
            Environment = environment,
            ReadyTimeout = config.ReadyTimeout,
            GracePeriod = config.ShutdownGracePeriod,
        };
    }
}
