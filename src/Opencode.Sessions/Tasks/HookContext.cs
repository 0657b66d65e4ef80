using System.Text;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions;

/// <summary>
/// What hooks and deliverable callbacks get: the process context, plus operations on the host the session runs on.
/// </summary>
/// <remarks>
/// Target paths follow one rule everywhere: an absolute path (<c>/…</c>) is used as is; <c>~</c> and <c>~/…</c> are
/// under the host user's home; anything else is relative to the work directory and may not contain a <c>..</c> segment
/// or escape it. Files read or written beneath the work directory (a relative target, or an absolute one inside the work
/// directory) are agent-controlled: they are opened by descriptor with <see cref="IHost.OpenWorkdirFileAsync"/> and
/// <see cref="IHost.WriteWorkdirFileAsync"/>, so a symbolic link, FIFO, device or hard link the agent planted there is
/// refused with <see cref="UnsafeWorkdirPathException"/> and nothing outside the work directory is read or written.
/// </remarks>
public sealed class HookContext
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    internal HookContext(IProcessContext processContext, IHost host)
    {
        ProcessContext = processContext;
        Host = host;
    }

    /// <summary>Gets the job runner's process context.</summary>
    public IProcessContext ProcessContext { get; }

    /// <summary>Gets the host the session runs on.</summary>
    public IHost Host { get; }

    /// <summary>Gets the process id.</summary>
    public string ProcessId => ProcessContext.ProcessId;

    /// <summary>Gets the absolute work directory on the host.</summary>
    public string WorkDirectory => Host.WorkDirectory;

    /// <summary>Reports progress through the process context.</summary>
    /// <param name="percent">0–100, or <see langword="null"/>.</param>
    /// <param name="message">A line for the human, or <see langword="null"/>.</param>
    public void ReportProgress(int? percent, string? message) => ProcessContext.ReportProgress(percent, message);

    /// <summary>Runs a shell command on the host (in the work directory unless <paramref name="workingDirectory"/> is given).</summary>
    /// <param name="script">A <c>/bin/sh</c> script.</param>
    /// <param name="check">When <see langword="true"/>, a non-zero exit throws <see cref="HostCommandException"/>.</param>
    /// <param name="workingDirectory">A target path (see remarks), or <see langword="null"/> for the work directory.</param>
    /// <param name="cancellationToken">A token to cancel the command.</param>
    /// <returns>The command's result.</returns>
    /// <exception cref="HostCommandException"><paramref name="check"/> is set and the command failed.</exception>
    public async Task<HostCommandResult> RunOnHostAsync(string script, bool check = true, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(script);
        var cwd = workingDirectory is null ? null : await ResolveTargetAsync(workingDirectory, cancellationToken).ConfigureAwait(false);
        var command = HostCommand.Shell(script) with { WorkingDirectory = cwd };
        var result = await Host.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        if (check && !result.Succeeded)
        {
            throw new HostCommandException(script, result);
        }

        return result;
    }

    /// <summary>Copies a local file into place on the host, atomically.</summary>
    /// <param name="sourcePath">A file on this machine.</param>
    /// <param name="target">A target path (see remarks).</param>
    /// <param name="cancellationToken">A token to cancel the copy.</param>
    /// <returns>The absolute path written on the host.</returns>
    public async Task<string> CopyFileAsync(string sourcePath, string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        var source = File.OpenRead(sourcePath);
        await using (source.ConfigureAwait(false))
        {
            return await CopyAsync(source, target, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes bytes to a file on the host, atomically.</summary>
    /// <param name="content">The content.</param>
    /// <param name="target">A target path (see remarks).</param>
    /// <param name="cancellationToken">A token to cancel the copy.</param>
    /// <returns>The absolute path written on the host.</returns>
    public async Task<string> CopyFileAsync(ReadOnlyMemory<byte> content, string target, CancellationToken cancellationToken = default)
    {
        using var source = new MemoryStream(content.ToArray(), writable: false);
        return await CopyAsync(source, target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams content to a file on the host, atomically.</summary>
    /// <param name="content">The content, read to its end.</param>
    /// <param name="target">A target path (see remarks).</param>
    /// <param name="cancellationToken">A token to cancel the copy.</param>
    /// <returns>The absolute path written on the host.</returns>
    public Task<string> CopyFileAsync(Stream content, string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return CopyAsync(content, target, cancellationToken);
    }

    /// <summary>Reads a whole file from the host.</summary>
    /// <param name="path">A target path (see remarks).</param>
    /// <param name="silent">When <see langword="false"/>, reports <c>Reading &lt;name&gt;...</c> as progress.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnsafeWorkdirPathException">A file beneath the work directory was refused (a link, not a regular file, a hard link).</exception>
    public async Task<byte[]> ReadFromHostAsync(string path, bool silent = false, CancellationToken cancellationToken = default)
    {
        var absolute = await ResolveTargetAsync(path, cancellationToken).ConfigureAwait(false);
        if (!silent)
        {
            ReportProgress(null, $"Reading {HostPath.GetFileName(absolute)}...");
        }

        Stream stream;
        try
        {
            stream = WorkdirRelative(absolute) is { } relative
                ? await Host.OpenWorkdirFileAsync(relative, cancellationToken).ConfigureAwait(false)
                : await Host.OpenReadAsync(absolute, cancellationToken).ConfigureAwait(false);
        }
        catch (UnsafeWorkdirPathException ex) when (ex.Reason == UnsafeWorkdirPathReason.NotFound)
        {
            // A missing file stays the FileNotFoundException hooks already handle.
            throw new FileNotFoundException($"'{absolute}' does not exist on {Host.DisplayName}.", absolute, ex);
        }

        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    /// <summary>Reads a whole file from the host as strict UTF-8 text.</summary>
    /// <param name="path">A target path (see remarks).</param>
    /// <param name="silent">When <see langword="false"/>, reports <c>Reading &lt;name&gt;...</c> as progress.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The text.</returns>
    /// <exception cref="DecoderFallbackException">The file is not valid UTF-8.</exception>
    public async Task<string> ReadTextFromHostAsync(string path, bool silent = false, CancellationToken cancellationToken = default) =>
        StrictUtf8.GetString(await ReadFromHostAsync(path, silent, cancellationToken).ConfigureAwait(false));

    /// <summary>Resolves a target path (see remarks) to an absolute path on the host.</summary>
    /// <param name="target">The target.</param>
    /// <param name="cancellationToken">A token to cancel the home lookup.</param>
    /// <returns>The absolute path.</returns>
    /// <exception cref="ArgumentException">The target is empty, has a <c>..</c> segment or escapes the work directory.</exception>
    public async Task<string> ResolveTargetAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length == 0)
        {
            throw new ArgumentException("The target path is empty.", nameof(target));
        }

        if (target == "~" || target.StartsWith("~/", StringComparison.Ordinal))
        {
            var home = await Host.ResolveHomeAsync(cancellationToken).ConfigureAwait(false);
            return target == "~" ? home : home.TrimEnd('/') + target[1..];
        }

        return HostPath.ResolveUnderWorkdir(Host.WorkDirectory, target, nameof(target));
    }

    private async Task<string> CopyAsync(Stream source, string target, CancellationToken cancellationToken)
    {
        var absolute = await ResolveTargetAsync(target, cancellationToken).ConfigureAwait(false);
        ReportProgress(null, $"Copying {HostPath.GetFileName(absolute)}...");
        if (WorkdirRelative(absolute) is { } relative)
        {
            await Host.WriteWorkdirFileAsync(relative, source, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Host.WriteFileAsync(absolute, source, null, cancellationToken).ConfigureAwait(false);
        }

        return absolute;
    }

    /// <summary>The path relative to the work directory when <paramref name="absolute"/> lies beneath it, else <see langword="null"/>.</summary>
    private string? WorkdirRelative(string absolute)
    {
        var workdir = HostPath.Normalize(Host.WorkDirectory);
        return HostPath.IsUnder(absolute, workdir, allowEqual: false) ? absolute[(workdir.TrimEnd('/').Length + 1)..] : null;
    }
}
