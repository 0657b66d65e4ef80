using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial class SshHost
{
    /// <inheritdoc/>
    /// <remarks>
    /// Runs GNU tar on the host and streams its output through the connection into <paramref name="destination"/>.
    /// Patterns follow GNU tar <c>--exclude</c> (unanchored: a pattern matches the whole relative path or any trailing
    /// run of its segments, so a plain name matches that name at any depth). The names in
    /// <see cref="WorkdirExclusions.AlwaysExcludedAtRoot"/> are excluded at the root of the work directory, anchored.
    /// Entries are named <c>./…</c> and include directories. The archive is re-packed on this machine as it streams, with
    /// absolute symlink targets inside the work directory made relative, so it restores under any task root.
    /// </remarks>
    /// <exception cref="HostCommandException">tar failed on the host (the destination holds an incomplete archive).</exception>
    /// <exception cref="SshConnectionException">The connection dropped while archiving.</exception>
    public override async Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken)
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
        InvalidDataException? unreadable = null;
        var exit = await ExecuteAsync(script, marker, guarded: true, input: null, async (s, ct) => unreadable = await CopyPortableAsync(s, destination, ct).ConfigureAwait(false), "archiving the work directory", cancellationToken).ConfigureAwait(false);
        if (exit.RemoteExitCode != 0)
        {
            throw new HostCommandException($"archiving '{WorkDirectory}' on {DisplayName}", new HostCommandResult(exit.RemoteExitCode!.Value, "", exit.StandardError));
        }

        if (unreadable is not null)
        {
            throw unreadable;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Empties the work directory (creating it if missing) and extracts with GNU tar on the host
    /// (<c>--no-same-owner</c>), then makes the work directory 0700 again. The archive is validated on this machine
    /// as it streams (the same rules as a local restore: no absolute or <c>..</c> names, no links leading outside, no
    /// devices or FIFOs, no paths through symlinks) and re-packed with sanitised names and modes, so the host's tar
    /// only ever receives entries that passed. The host empties the work directory only once the first entry passed, so
    /// a stream that is not an archive at all leaves it untouched; an unsafe entry later on stops the transfer and what
    /// was extracted before it stays.
    /// </remarks>
    /// <exception cref="UnsafeArchiveEntryException">The archive holds an entry that could write outside the work directory.</exception>
    /// <exception cref="HostCommandException">tar failed on the host.</exception>
    /// <exception cref="SshConnectionException">The connection dropped while restoring.</exception>
    public override async Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var workDirectory = WorkDirectory;
        var work = SshRemoteScript.Q(workDirectory);
        // Nothing is deleted until the first validated bytes arrive (the "go" line): garbage leaves the workdir alone.
        // No 'exit' in a plain script: it would end the shell before the exit report, which reads as a dropped channel.
        var body = $"if IFS= read -r __ocs_go && [ \"$__ocs_go\" = {GoSignalStream.Signal} ]; then\n" +
            $"  mkdir -p -- {work} && find {work} -mindepth 1 -delete && tar --extract --gzip --file=- --no-same-owner --directory={work} && chmod 700 -- {work}\n" +
            "else\n  echo 'no valid archive arrived; the work directory was left alone' >&2; (exit 3)\nfi";
        var marker = SshRemoteScript.NewMarker();
        Log.Restoring(_logger, DisplayName, workDirectory);
        var exit = await ExecuteAsync(
            SshRemoteScript.Plain(body, marker),
            marker,
            guarded: false,
            (channel, ct) => WorkdirArchiver.ValidateAndCopyAsync(source, new GoSignalStream(channel), workDirectory, ct),
            output: null,
            "restoring the work directory",
            cancellationToken).ConfigureAwait(false);
        if (exit.RemoteExitCode != 0)
        {
            throw new HostCommandException($"restoring '{workDirectory}' on {DisplayName}", new HostCommandResult(exit.RemoteExitCode!.Value, "", exit.StandardError));
        }
    }

    /// <summary>
    /// Streams the host's archive through <see cref="WorkdirArchiver.MakePortableAsync"/>. A stream that is not a valid
    /// archive (tar failed half-way) is drained and its error returned, so tar's own exit status is reported first.
    /// </summary>
    private async Task<InvalidDataException?> CopyPortableAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await WorkdirArchiver.MakePortableAsync(source, destination, WorkDirectory, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (InvalidDataException ex)
        {
            await source.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            return ex;
        }
    }
}
