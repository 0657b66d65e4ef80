using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Launching;

/// <summary>
/// Finds the opencode executable on a host, installing the pinned version with npm into a per-user cache when it is
/// missing. Order: the configured executable; <c>opencode</c> on the host's PATH; the cache
/// <c>&lt;cacheRoot&gt;/opencode-ai/&lt;version&gt;/</c>; an npm install into that cache.
/// </summary>
/// <remarks>
/// Every step runs through <see cref="IHost"/>, so it works the same on a remote host. The cache root is resolved by
/// a shell on the host (<c>${OPENCODE_SESSIONS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opencode-sessions}</c>).
/// Concurrent installs (threads, processes, tasks) are serialised by a lock file next to the versions.
/// </remarks>
internal sealed class OpencodeInstaller
{
    private const int StderrTailChars = 2000;
    private readonly IHost _host;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="host">The host to find or install opencode on.</param>
    /// <param name="logger">The logger; <see langword="null"/> = none.</param>
    /// <param name="timeProvider">The clock for elapsed times; <see langword="null"/> = the system clock.</param>
    public OpencodeInstaller(IHost host, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Returns the absolute path of a working opencode executable on the host, installing it if allowed.</summary>
    /// <param name="request">What to find or install.</param>
    /// <param name="progress">Receives progress (percent, message); <see langword="null"/> = none.</param>
    /// <param name="cancellationToken">A token to cancel the operation (a running npm install is killed).</param>
    /// <returns>The absolute path of the executable on the host.</returns>
    /// <exception cref="OpencodeInstallException">opencode is not usable and cannot be installed.</exception>
    public async Task<string> EnsureInstalledAsync(OpencodeInstallRequest request, Action<int?, string?>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.Version);
        progress?.Invoke(null, "Checking opencode installation…");

        if (request.Executable is { } configured)
        {
            await CheckConfiguredExecutableAsync(configured, request.Version, cancellationToken).ConfigureAwait(false);
            Log.OpencodeResolved(_logger, configured, _host.DisplayName, "configuration");
            return configured;
        }

        var located = await LocateAsync(request, cancellationToken).ConfigureAwait(false);
        if (located.Path is { } found)
        {
            Log.OpencodeResolved(_logger, found, _host.DisplayName, located.Source);
            return found;
        }

        if (!request.InstallIfMissing)
        {
            throw NotFound(request, located.CacheRoot);
        }

        return await InstallAsync(request.Version, located.CacheRoot, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <c>&lt;exe&gt; --version</c> with the task's environment, best effort.</summary>
    /// <param name="executable">The opencode executable on the host.</param>
    /// <param name="environment">The environment opencode runs with (isolated HOME, so the probe writes nothing to the user's home).</param>
    /// <param name="cancellationToken">A token to cancel the probe.</param>
    /// <returns>The version it printed (e.g. <c>1.18.33</c>), or <see langword="null"/> when it failed or printed something else.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string?> ProbeVersionAsync(string executable, IReadOnlyDictionary<string, string?>? environment, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        try
        {
            // Through the same prelude as the server, so an isolated HOME is created the same way (0700).
            var command = HostCommand.Shell(OpencodeEnvironment.ShellPrelude + "exec \"$1\" --version", OpencodeEnvironment.RunDirectory(_host.TaskDirectory), executable)
                with { WorkingDirectory = "/", Environment = environment };
            var result = await _host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
            var version = result.Succeeded ? ParseVersion(result.StandardOutput) : null;
            Log.OpencodeVersionProbed(_logger, version);
            return version;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.OpencodeVersionProbeFailed(_logger, ex);
            return null;
        }
    }

    /// <summary>
    /// The version of an executable inside the versioned install cache (<c>…/opencode-ai/&lt;version&gt;/node_modules/…</c>):
    /// the install script verified its <c>--version</c> before moving it into place, so it needs no probe (which starts
    /// opencode once more: about a second on a quiet machine, 14 s at load 15). <see langword="null"/> for any other
    /// executable (found on PATH or configured), whose version only a probe can tell.
    /// </summary>
    internal static string? CachedVersion(string executable, string version) =>
        executable.Contains($"/opencode-ai/{version}/node_modules/", StringComparison.Ordinal) ? version : null;

    /// <summary>Extracts a version from <c>--version</c> output: the last non-empty line, without a leading <c>v</c>.</summary>
    internal static string? ParseVersion(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
        if (line is null)
        {
            return null;
        }

        var candidate = line.Split(' ').Last().TrimStart('v');
        return candidate.Length > 0 && char.IsAsciiDigit(candidate[0]) && candidate.Contains('.', StringComparison.Ordinal) ? candidate : null;
    }

    private async Task CheckConfiguredExecutableAsync(string executable, string version, CancellationToken cancellationToken)
    {
        var check = HostCommand.Shell("[ -f \"$1\" ] && [ -x \"$1\" ]", executable) with { WorkingDirectory = "/" };
        var result = await _host.RunCommandAsync(check, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new OpencodeInstallException(
                $"The configured opencode executable '{executable}' does not exist or is not executable on {_host.DisplayName}." + Environment.NewLine +
                $"Point {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.OpencodeExecutable)} at the opencode binary, or leave it null " +
                $"to use opencode from the PATH or the install cache (installed with npm when {nameof(OpencodeTaskConfig.InstallIfMissing)} is true).",
                version);
        }
    }

    private async Task<(string CacheRoot, string? Path, string Source)> LocateAsync(OpencodeInstallRequest request, CancellationToken cancellationToken)
    {
        var command = HostCommand.Shell(OpencodeInstallScripts.Locate, request.CacheRoot ?? "", request.Version, request.SearchPath ? "1" : "0")
            with { WorkingDirectory = "/" };
        var result = await _host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        var values = ParseKeyValues(result.StandardOutput);
        if (!result.Succeeded || !values.TryGetValue("root", out var root))
        {
            throw new OpencodeInstallException(
                $"Looking for opencode {request.Version} on {_host.DisplayName} failed (exit {result.ExitCode}): " +
                ProcessOutput.Tail(result.StandardError, StderrTailChars) + Environment.NewLine +
                $"Set {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.OpencodeInstallDir)} to an absolute directory, or set HOME or OPENCODE_SESSIONS_CACHE_DIR on the host.",
                request.Version,
                result.ExitCode);
        }

        if (values.TryGetValue("path", out var onPath))
        {
            return (root, onPath, "PATH");
        }

        return values.TryGetValue("cache", out var cached) ? (root, cached, "cache") : (root, null, "");
    }

    private async Task<string> InstallAsync(string version, string cacheRoot, Action<int?, string?>? progress, CancellationToken cancellationToken)
    {
        progress?.Invoke(null, $"Installing opencode {version} with npm…");
        Log.OpencodeInstallStarted(_logger, version, cacheRoot, _host.DisplayName);
        var started = _timeProvider.GetTimestamp();
        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var command = HostCommand.Shell(OpencodeInstallScripts.Install, cacheRoot, version, suffix) with { WorkingDirectory = "/" };
        var result = await _host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded && ParseKeyValues(result.StandardOutput).TryGetValue("cache", out var path))
        {
            Log.OpencodeInstallFinished(_logger, version, path, _timeProvider.GetElapsedTime(started).TotalSeconds);
            progress?.Invoke(null, $"Installed opencode {version}");
            return path;
        }

        Log.OpencodeInstallFailed(_logger, version, result.ExitCode);
        throw InstallFailed(version, cacheRoot, result);
    }

    private OpencodeInstallException NotFound(OpencodeInstallRequest request, string cacheRoot)
    {
        var where = request.SearchPath ? "neither on the PATH nor in the install cache" : "not in the install cache";
        return new OpencodeInstallException(
            $"opencode {request.Version} was not found on {_host.DisplayName}: it is {where} ({cacheRoot}/opencode-ai/{request.Version})." + Environment.NewLine +
            $"Install it yourself (npm install -g opencode-ai@{request.Version}), set {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.OpencodeExecutable)} " +
            $"to its path, or set {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.InstallIfMissing)} = true to install it with npm into the cache.",
            request.Version);
    }

    private OpencodeInstallException InstallFailed(string version, string cacheRoot, HostCommandResult result)
    {
        var stderr = ProcessOutput.Tail(result.StandardError, StderrTailChars);
        var nl = Environment.NewLine;
        var message = result.ExitCode switch
        {
            OpencodeInstallScripts.NpmMissingExitCode =>
                $"opencode {version} is not installed on {_host.DisplayName} and cannot be installed: npm was not found on the host's PATH." + nl +
                "Install Node.js with npm (Debian/Ubuntu: sudo apt-get install -y nodejs npm; Fedora: sudo dnf install -y nodejs npm; " +
                "macOS: brew install node; others: https://nodejs.org/), or install opencode yourself " +
                $"(npm install -g opencode-ai@{version}) and set {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.OpencodeExecutable)}.",
            OpencodeInstallScripts.LockTimeoutExitCode =>
                $"Installing opencode {version} on {_host.DisplayName} timed out waiting for another install to finish ({cacheRoot}/opencode-ai/.lock)." + nl +
                stderr + nl + "If no other install is running, remove the lock and retry.",
            OpencodeInstallScripts.NpmFailedExitCode =>
                $"npm install opencode-ai@{version} failed on {_host.DisplayName} (cache {cacheRoot}/opencode-ai)." + nl + stderr + nl +
                "Check that the host reaches the npm registry (npm config get registry), or install opencode yourself and set " +
                $"{nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.OpencodeExecutable)}.",
            OpencodeInstallScripts.VerifyFailedExitCode =>
                $"opencode {version} was installed on {_host.DisplayName} but does not run correctly; the install was discarded." + nl + stderr,
            _ =>
                $"Installing opencode {version} on {_host.DisplayName} into {cacheRoot}/opencode-ai failed (exit {result.ExitCode})." + nl + stderr,
        };
        return new OpencodeInstallException(message, version, result.ExitCode);
    }

    private static Dictionary<string, string> ParseKeyValues(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && eq < line.Length - 1)
            {
                values.TryAdd(line[..eq], line[(eq + 1)..].TrimEnd('\r'));
            }
        }

        return values;
    }
}
