namespace Opencode.Sessions.Hosting;

/// <summary>
/// The place an opencode session runs: the local machine (<c>LocalHost</c>) or a remote one over SSH
/// (<c>SshHost</c>). All paths are absolute paths on the host, in POSIX form.
/// </summary>
/// <remarks>
/// A host owns processes and connections, so it is <see cref="IAsyncDisposable"/>; disposing closes connections and
/// tunnels and stops every process and follower it started that is still running. Disposal is idempotent.
/// </remarks>
public interface IHost : IAsyncDisposable
{
    /// <summary>Gets a short description of the host for messages and logs (never contains secrets).</summary>
    string DisplayName { get; }

    /// <summary>Gets the absolute task directory on the host (<c>&lt;root&gt;/&lt;processId&gt;</c>).</summary>
    string TaskDirectory { get; }

    /// <summary>Gets the absolute work directory on the host (<c>&lt;taskdir&gt;/workdir</c>).</summary>
    string WorkDirectory { get; }

    /// <summary>Connects to the host (a no-op for the local host).</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the host is usable.</returns>
    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Creates the task and work directories with mode 0700 (existing contents are kept).</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when both directories exist.</returns>
    Task SetupWorkdirAsync(CancellationToken cancellationToken);

    /// <summary>Runs a command to completion and captures its output (keep outputs small; redirect big ones to a file).</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">A token to cancel the operation; the command is killed on cancellation.</param>
    /// <returns>The exit code and the captured output.</returns>
    Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken);

    /// <summary>Writes a file atomically (temporary sibling, then rename), creating parent directories.</summary>
    /// <param name="path">Absolute target path.</param>
    /// <param name="content">The content, read to its end and streamed (never buffered whole).</param>
    /// <param name="mode">Unix permissions of the new file, or <see langword="null"/> for the default (0600).</param>
    /// <param name="cancellationToken">A token to cancel the operation; no partial target is left behind.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a file on the host for reading, as a stream. For paths the application chose; files the agent controls
    /// (anything in the work directory) are read with <see cref="OpenWorkdirFileAsync"/>, which follows no link.
    /// </summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream the caller disposes.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a file the agent controls — one beneath the work directory — for reading, resolved by descriptor so that it
    /// cannot be raced: no component may be a symbolic link (symlinks inside the work directory are not followed
    /// either), the file must be a regular file with a single hard link, and the stream reads the very file that was
    /// checked. Opening never blocks (a FIFO is refused at once).
    /// </summary>
    /// <param name="relativePath">A path relative to the work directory, without <c>..</c> segments (<c>deliverables/out.txt</c>).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A readable stream the caller disposes.</returns>
    /// <exception cref="UnsafeWorkdirPathException">The path was refused; <see cref="UnsafeWorkdirPathException.Reason"/> says why (also <see cref="UnsafeWorkdirPathReason.NotFound"/>).</exception>
    Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a file beneath the work directory atomically without following any link the agent made: parent
    /// directories are created (0700) and entered by descriptor, never through a symbolic link; the content goes to a
    /// temporary file in the same directory, which is renamed over the target (a symlink there is replaced, not followed).
    /// </summary>
    /// <param name="relativePath">A path relative to the work directory, without <c>..</c> segments.</param>
    /// <param name="content">The content, read to its end and streamed (never buffered whole).</param>
    /// <param name="mode">Unix permissions of the new file, or <see langword="null"/> for the default (0600).</param>
    /// <param name="cancellationToken">A token to cancel the operation; no partial target is left behind.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    /// <exception cref="UnsafeWorkdirPathException">The path was refused; <see cref="UnsafeWorkdirPathException.Reason"/> says why.</exception>
    Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken);

    /// <summary>Removes a file; a missing file is not an error.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the file is gone.</returns>
    Task RemoveFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves a path on the host the way <c>realpath -m</c> does: symlinks resolved, <c>.</c>/<c>..</c> removed,
    /// missing trailing components allowed.
    /// </summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The canonical absolute path.</returns>
    Task<string> ResolveRealPathAsync(string path, CancellationToken cancellationToken);

    /// <summary>Resolves the home directory of the user the host runs commands as.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>An absolute path.</returns>
    Task<string> ResolveHomeAsync(CancellationToken cancellationToken);

    /// <summary>Starts a long-running process in its own process group; its output is drained for its whole life.</summary>
    /// <param name="startInfo">What to start.</param>
    /// <param name="cancellationToken">A token to cancel the start (not the process).</param>
    /// <returns>A handle to the running process.</returns>
    Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken);

    /// <summary>Makes a TCP port of the host reachable from this machine.</summary>
    /// <param name="hostPort">The port the server listens on, on the host's loopback interface.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The local endpoint (address and port) that reaches it; the same port for the local host.</returns>
    Task<System.Net.IPEndPoint> OpenTunnelAsync(int hostPort, CancellationToken cancellationToken);

    /// <summary>
    /// Follows a file from its first byte, yielding each complete line as it is appended (like <c>tail -F -n +1</c>).
    /// An incomplete last line is held back until its newline arrives.
    /// </summary>
    /// <param name="path">Absolute path; it may not exist yet.</param>
    /// <param name="cancellationToken">A token that ends the enumeration.</param>
    /// <returns>The lines, in order, without their line terminators.</returns>
    IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>Writes the work directory as a gzip-compressed tar archive to a stream, skipping excluded paths.</summary>
    /// <param name="destination">Where the archive bytes go (streamed).</param>
    /// <param name="exclude">Glob patterns; a path is excluded if its relative path or any single segment matches.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the whole archive was written.</returns>
    Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken);

    /// <summary>Empties the work directory and extracts a gzip-compressed tar archive into it, refusing unsafe entries.</summary>
    /// <param name="source">The archive bytes (streamed).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the archive is extracted.</returns>
    Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken);

    /// <summary>Removes the whole task directory. Errors are reported, never thrown for a missing directory.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the directory is gone.</returns>
    Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken);
}
