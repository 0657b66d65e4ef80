using Opencode.Sessions.Internal;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Hosting;

public sealed partial class SshHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// Runs GNU tar on the host and streams its output through the connection into <paramref name="destination"/>.
    /// Patterns follow GNU tar <c>--exclude</c> (unanchored: a pattern matches the whole relative path or any trailing
    /// run of its segments, so a plain name matches that name at any depth). The names in
    /// <see cref="WorkdirExclusions.AlwaysExcludedAtRoot"/> are excluded at the root of the work directory, anchored.
    /// Entries are named <c>./…</c> and include directories.
    /// </remarks>
    /// <exception cref="HostCommandException">tar failed on the host (the destination holds an incomplete archive).</exception>
    /// <exception cref="SshConnectionException">The connection dropped while archiving.</exception>
    public async Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(exclude);
        var arguments = new List<string> { "--create", "--gzip", "--file=-", "--directory=" + WorkDirectory, "--anchored" };
        arguments.AddRange(WorkdirExclusions.AlwaysExcludedAtRoot.Select(name => "--exclude=./" + name));
        arguments.Add("--no-anchored");
        arguments.AddRange(exclude.Select(pattern => "--exclude=" + pattern));
        arguments.Add(".");
        var command = new HostCommand("tar", arguments);
        var marker = SshRemoteScript.NewMarker();
        var script = SshRemoteScript.Guarded(command, null, null, null, null, mergeStandardError: false, marker);
        Log.Archiving(_logger, DisplayName, WorkDirectory, exclude.Count);
        var exit = await ExecuteAsync(script, marker, guarded: true, input: null, (s, ct) => s.CopyToAsync(destination, 128 * 1024, ct), "archiving the work directory", cancellationToken).ConfigureAwait(false);
        if (exit.RemoteExitCode != 0)
        {
            throw new HostCommandException($"archiving '{WorkDirectory}' on {DisplayName}", new HostCommandResult(exit.RemoteExitCode!.Value, "", exit.StandardError));
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Empties the work directory (creating it if missing) and pipes the stream through the connection into
    /// <c>tar --extract --gzip --no-same-owner</c> on the host, then makes the work directory 0700 again. Unsafe
    /// entries are left to GNU tar's own protections: it strips leading <c>/</c>, refuses member names containing
    /// <c>..</c>, and delays creating symlinks that point outside the tree until the end, so no entry is written
    /// through them.
    /// </remarks>
    /// <exception cref="HostCommandException">tar failed on the host (for example, the stream is not a gzip tar).</exception>
    /// <exception cref="SshConnectionException">The connection dropped while restoring.</exception>
    public async Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var work = SshRemoteScript.Q(WorkDirectory);
        var body = $"mkdir -p -- {work} && find {work} -mindepth 1 -delete && tar --extract --gzip --file=- --no-same-owner --directory={work} && chmod 700 -- {work}";
        var marker = SshRemoteScript.NewMarker();
        Log.Restoring(_logger, DisplayName, WorkDirectory);
        var exit = await ExecuteAsync(SshRemoteScript.Plain(body, marker), marker, guarded: false, source, output: null, "restoring the work directory", cancellationToken).ConfigureAwait(false);
        if (exit.RemoteExitCode != 0)
        {
            throw new HostCommandException($"restoring '{WorkDirectory}' on {DisplayName}", new HostCommandResult(exit.RemoteExitCode!.Value, "", exit.StandardError));
        }
    }
}
