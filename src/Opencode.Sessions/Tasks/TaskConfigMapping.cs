using Microsoft.Extensions.Logging;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions;

/// <summary>
/// Turns a task configuration into the options of the parts below the task layer, so that none of them depends on
/// <see cref="OpencodeTaskConfig"/> (configuration flows down: task → host → protocol → store).
/// </summary>
internal static class TaskConfigMapping
{
    /// <summary>Creates the install request a task configuration implies.</summary>
    /// <param name="config">The task configuration.</param>
    /// <returns>The request.</returns>
    public static OpencodeInstallRequest ToInstallRequest(this OpencodeTaskConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new OpencodeInstallRequest
        {
            Version = config.OpencodeVersion,
            InstallIfMissing = config.InstallIfMissing,
            Executable = config.OpencodeExecutable,
            CacheRoot = config.OpencodeInstallDir,
        };
    }

    /// <summary>Creates the launch options a task configuration implies.</summary>
    /// <param name="config">The task configuration (ready timeout, grace period).</param>
    /// <param name="executablePath">The opencode executable on the host.</param>
    /// <param name="environment">The environment from <see cref="OpencodeEnvironment.Build"/>.</param>
    /// <returns>The options.</returns>
    public static OpencodeLaunchOptions ToLaunchOptions(this OpencodeTaskConfig config, string executablePath, IReadOnlyDictionary<string, string?> environment)
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

    /// <summary>Creates the snapshot service a task configuration asks for (the file-system store when none is configured).</summary>
    /// <param name="config">The task configuration.</param>
    /// <returns>The service.</returns>
    public static SnapshotService CreateSnapshotService(this OpencodeTaskConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var store = config.SnapshotStore ?? new FileSystemSnapshotStore(logger: config.LoggerFactory?.CreateLogger<FileSystemSnapshotStore>());
        return new SnapshotService(
            store,
            config.SessionBlobCipher,
            config.EncryptWorkdirBlob ?? config.SessionBlobCipher is not null,
            config.WorkdirExclude,
            config.SnapshotRetention,
            config.LoggerFactory?.CreateLogger<SnapshotService>(),
            config.AllowUnencryptedSnapshots,
            config.WorkdirRestoreLimits);
    }
}
