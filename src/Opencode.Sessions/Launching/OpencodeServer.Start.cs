using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Launching;

/// <content>Starting the server: install, configuration, launch, health and version check.</content>
public sealed partial class OpencodeServer
{
    /// <summary>The variables <see cref="OpencodeServerOptions.Offline"/> sets (<see cref="OpencodeServerOptions.Environment"/> wins).</summary>
    internal static readonly IReadOnlyList<string> OfflineVariables = ["OPENCODE_DISABLE_MODELS_FETCH", "OPENCODE_DISABLE_SHARE", "OPENCODE_DISABLE_LSP_DOWNLOAD"];

    private const string ReadyTimeoutSetting = nameof(OpencodeServerOptions) + "." + nameof(OpencodeServerOptions.ReadyTimeout);

    /// <summary>The longest pause between two health checks while opencode starts answering.</summary>
    private static readonly TimeSpan MaxHealthBackoff = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts <c>opencode serve</c> on this machine and waits until it is listening and answers its health check with
    /// the expected version. opencode is installed into the per-user cache first when it is missing (and allowed).
    /// </summary>
    /// <param name="options">What to start; checked first.</param>
    /// <param name="cancellationToken">A token to cancel the start; opencode is killed and everything is removed.</param>
    /// <returns>The running server; dispose it to stop opencode.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid (the message names every field at fault).</exception>
    /// <exception cref="OpencodeInstallException">opencode is not installed and cannot (or may not) be, or the server reports another version than <see cref="OpencodeServerOptions.OpencodeVersion"/>.</exception>
    /// <exception cref="OpencodeLaunchException">opencode exited before it was ready (the message has its exit code and last output).</exception>
    /// <exception cref="TimeoutException">opencode was not ready within <see cref="OpencodeServerOptions.ReadyTimeout"/> (it was killed).</exception>
    /// <exception cref="InvalidOperationException">Another server uses the configured <see cref="OpencodeServerOptions.StateDirectory"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<OpencodeServer> StartAsync(OpencodeServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        OpencodeServerOptionsValidator.Validate(options);
        cancellationToken.ThrowIfCancellationRequested();
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<OpencodeServer>();
        var workingDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.WorkingDirectory));
        var state = OpencodeServerState.Open(options.StateDirectory);
        var host = new LocalHost(OpencodeServerState.Name, state.Root, loggerFactory.CreateLogger<LocalHost>());
        OpencodeServerProcess? process = null;
        OpencodeClient? client = null;
        try
        {
            var executable = await InstallAsync(host, options, loggerFactory, cancellationToken).ConfigureAwait(false);
            var configFile = HostPath.Combine(host.TaskDirectory, OpencodeConfigFile.FileName);
            using (var content = new MemoryStream(Encoding.UTF8.GetBytes(OpencodeConfigFile.Render(options.OpencodeConfig, options.Model)), writable: false))
            {
                await host.WriteFileAsync(configFile, content, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken).ConfigureAwait(false);
            }

            options.Progress?.Invoke("Launching opencode…");
            var started = TimeProvider.System.GetTimestamp();
            process = await new OpencodeLauncher(host, loggerFactory.CreateLogger<OpencodeLauncher>()).LaunchAsync(
                new OpencodeLaunchOptions
                {
                    ExecutablePath = executable,
                    Environment = BuildEnvironment(host.TaskDirectory, configFile, options),
                    WorkingDirectory = workingDirectory,
                    ReadyTimeout = options.ReadyTimeout,
                    GracePeriod = options.ShutdownGracePeriod,
                    ReadyTimeoutSetting = ReadyTimeoutSetting,
                },
                cancellationToken).ConfigureAwait(false);
            client = new OpencodeClient(
                new OpencodeClientOptions { BaseAddress = process.HostBaseUri, Credentials = process.Credentials, Directory = workingDirectory },
                loggerFactory.CreateLogger<OpencodeClient>());
            var health = await WaitUntilHealthyAsync(client, process, options.ReadyTimeout - TimeProvider.System.GetElapsedTime(started), options.ReadyTimeout, logger, cancellationToken)
                .ConfigureAwait(false);
            var version = CheckVersion(health, executable, options);
            var server = new OpencodeServer(host, state, process, client, version, workingDirectory, logger);
            Log.OpencodeServerStarted(logger, version, server.ProcessId, workingDirectory, server.BaseAddress, TimeProvider.System.GetElapsedTime(started).TotalSeconds);
            options.Progress?.Invoke($"opencode {version} is listening on {server.BaseAddress}");
            return server;
        }
        catch
        {
            if (process is not null)
            {
                await StopAsync(host, process, logger).ConfigureAwait(false);
            }

            client?.Dispose();
            await ReleaseAsync(host, state, process, logger).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The environment a task's opencode gets (isolated home, allow-list, marker, browser stub), with the offline
    /// switches under the configured variables and the configuration file on top.
    /// </summary>
    internal static IReadOnlyDictionary<string, string?> BuildEnvironment(string taskDirectory, string configFile, OpencodeServerOptions options)
    {
        var extra = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (options.Offline)
        {
            foreach (var name in OfflineVariables)
            {
                extra[name] = "1";
            }
        }

        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string?>())
        {
            extra[key] = value;
        }

        extra[OpencodeServerOptionsValidator.ConfigVariable] = configFile;
        return OpencodeEnvironment.Build(taskDirectory, isolateHome: true, extra, options.InheritEnvironment);
    }

    private static async Task<string> InstallAsync(LocalHost host, OpencodeServerOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var progress = options.Progress;
        var request = new OpencodeInstallRequest
        {
            Version = options.OpencodeVersion,
            InstallIfMissing = options.InstallIfMissing,
            Executable = options.OpencodeExecutable,
            CacheRoot = options.OpencodeInstallDir,
            SearchPath = false,
        };
        return await new OpencodeInstaller(host, loggerFactory.CreateLogger<OpencodeInstaller>()).EnsureInstalledAsync(
            request,
            progress is null ? null : (_, message) =>
            {
                if (!string.IsNullOrEmpty(message))
                {
                    progress(message);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Calls the health route until it answers healthy, with a short backoff, within what is left of the ready timeout.</summary>
    private static async Task<OpencodeHealth> WaitUntilHealthyAsync(
        OpencodeClient client, OpencodeServerProcess process, TimeSpan remaining, TimeSpan readyTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var left = remaining - TimeProvider.System.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound.CancelAfter(left);
                try
                {
                    var health = await client.GetHealthAsync(bound.Token).ConfigureAwait(false);
                    if (health.Healthy)
                    {
                        return health;
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                                           ex is OpencodeConnectionException or OpencodeServerException or OpencodeTimeoutException or OperationCanceledException)
                {
                    Log.OpencodeServerHealthRetry(logger, process.Process.ProcessId, attempt, ex);
                }
            }

            if (process.Exited.IsCompleted)
            {
                throw new OpencodeLaunchException(await process.Exited.ConfigureAwait(false), process.OutputTail(OpencodeLauncher.ErrorTailLines));
            }

            if (remaining - TimeProvider.System.GetElapsedTime(started) <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"opencode printed its listening URL but did not answer its health check healthy within {readyTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s " +
                    $"({ReadyTimeoutSetting}); it was killed." + Environment.NewLine +
                    ProcessOutput.DescribeTail(process.OutputTail(OpencodeLauncher.ErrorTailLines)));
            }

            var backoff = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt - 1), MaxHealthBackoff.TotalMilliseconds));
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The version check: the server must report <see cref="OpencodeServerOptions.OpencodeVersion"/>.</summary>
    private static string CheckVersion(OpencodeHealth health, string executable, OpencodeServerOptions options)
    {
        var reported = health.Version;
        if (string.IsNullOrEmpty(reported))
        {
            // Older servers may not report one; the install cache verified its version when it was filled.
            return OpencodeInstaller.CachedVersion(executable, options.OpencodeVersion) ?? options.OpencodeVersion;
        }

        if (!string.Equals(reported.TrimStart('v'), options.OpencodeVersion, StringComparison.Ordinal))
        {
            throw new OpencodeInstallException(
                $"opencode at '{executable}' reports version {reported}, but {nameof(OpencodeServerOptions)}.{nameof(OpencodeServerOptions.OpencodeVersion)} is {options.OpencodeVersion}; it was stopped." + Environment.NewLine +
                $"Set {nameof(OpencodeServerOptions.OpencodeVersion)} to the version you run, or leave {nameof(OpencodeServerOptions.OpencodeExecutable)} null to use the install cache.",
                options.OpencodeVersion);
        }

        return reported.TrimStart('v');
    }
}
