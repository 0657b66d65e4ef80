using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.Launching;

/// <summary>
/// Installs opencode on the local machine into the per-user cache, the same way a task does on its host. For tooling:
/// build scripts, container images and the demo's <c>--install-only</c> warm the cache before the first task runs.
/// </summary>
public static class OpencodeInstallation
{
    /// <summary>
    /// Makes sure the given opencode version is in the local cache
    /// (<c>${OPENCODE_SESSIONS_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/opencode-sessions}/opencode-ai/&lt;version&gt;</c>),
    /// installing it with npm when it is missing. opencode on the PATH is not considered, so the result is always the
    /// requested version. Concurrent calls (also from other processes) are safe.
    /// </summary>
    /// <param name="version">The opencode version; <see langword="null"/> = <see cref="OpencodeInstallRequest.DefaultVersion"/>.</param>
    /// <param name="installIfMissing">Install with npm when the version is not cached; <see langword="false"/> only checks.</param>
    /// <param name="progress">Receives human-readable progress messages; <see langword="null"/> = none.</param>
    /// <param name="cancellationToken">A token to cancel the operation (a running npm install is killed).</param>
    /// <returns>The absolute path of the opencode executable.</returns>
    /// <exception cref="ArgumentException"><paramref name="version"/> is empty or blank.</exception>
    /// <exception cref="OpencodeInstallException">opencode is not cached and cannot (or may not) be installed.</exception>
    /// <example>
    /// <code>
    /// var opencode = await OpencodeInstallation.EnsureInstalledAsync(progress: Console.WriteLine);
    /// </code>
    /// </example>
    public static async Task<string> EnsureInstalledAsync(
        string? version = null, bool installIfMissing = true, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (version is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(version);
        }

        // The host is only used to run commands (with "/" as the working directory): its task directory is never created.
        var host = new LocalHost("opencode-install");
        await using (host.ConfigureAwait(false))
        {
            var request = new OpencodeInstallRequest
            {
                Version = version ?? OpencodeInstallRequest.DefaultVersion,
                InstallIfMissing = installIfMissing,
                SearchPath = false,
            };
            Action<int?, string?>? report = progress is null ? null : (_, message) =>
            {
                if (!string.IsNullOrEmpty(message))
                {
                    progress(message);
                }
            };
            return await new OpencodeInstaller(host).EnsureInstalledAsync(request, report, cancellationToken).ConfigureAwait(false);
        }
    }
}
