using System.Net;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Hosting;

/// <summary>
/// A base for <see cref="IHost"/> implementations (in the manner of Testcontainers' <c>Resource</c>): it owns the
/// life-cycle every host needs — an idempotent, concurrency-safe <see cref="ConnectAsync"/>, an idempotent
/// <see cref="DisposeAsync"/> that first stops every tracked process, then cancels <see cref="DisposalToken"/>, then
/// calls <see cref="DisposeAsyncCore"/> — and default implementations of the members that can be written on top of
/// <see cref="RunCommandAsync"/> with POSIX tools.
/// </summary>
/// <remarks>
/// <para>
/// A derived host implements the file, process, follow and archive primitives; it calls <see cref="ThrowIfDisposed"/>
/// (or <see cref="ThrowIfNotConnected"/>) at the start of its operations and passes what it launches through
/// <see cref="TrackProcessAsync"/> so that disposal stops it. The defaults for <see cref="SetupWorkdirAsync"/>,
/// <see cref="RemoveFileAsync"/>, <see cref="ResolveRealPathAsync"/>, <see cref="ResolveHomeAsync"/> and
/// <see cref="CleanupTaskDirectoryAsync"/> run <c>mkdir</c>/<c>chmod</c>, <c>rm</c>, <c>realpath -m</c> and
/// <c>$HOME</c> through <see cref="RunCommandAsync"/>; override them where the host can do better.
/// </para>
/// <para>
/// Check a host with the contract kit in the Opencode.Sessions.Testing package (<c>HostContractTests</c>).
/// </para>
/// </remarks>
public abstract class HostBase : IHost
{
    private const int Live = 0;
    private const int Disposing = 1;

    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposal = new();
    private readonly List<IHostProcess> _processes = [];
    private int _state;
    private volatile bool _connected;

    /// <summary>Initializes a new instance.</summary>
    protected HostBase() => DisposalToken = _disposal.Token;

    /// <inheritdoc/>
    public abstract string DisplayName { get; }

    /// <inheritdoc/>
    public abstract string TaskDirectory { get; }

    /// <inheritdoc/>
    /// <remarks>The default is <c>&lt;<see cref="TaskDirectory"/>&gt;/workdir</c>, as the contract says.</remarks>
    public virtual string WorkDirectory => HostPath.Combine(TaskDirectory, "workdir");

    /// <summary>Gets a value indicating whether <see cref="ConnectAsync"/> has succeeded.</summary>
    protected bool IsConnected => _connected;

    /// <summary>Gets a value indicating whether <see cref="DisposeAsync"/> has started.</summary>
    protected bool IsDisposed => Volatile.Read(ref _state) != Live;

    /// <summary>
    /// Gets a token that is cancelled during disposal, after the tracked processes were stopped and before
    /// <see cref="DisposeAsyncCore"/> runs: link it into long-running work (followers, channels) so that it ends.
    /// </summary>
    protected CancellationToken DisposalToken { get; }

    /// <summary>
    /// Connects once: the first call runs <see cref="ConnectCoreAsync"/>; concurrent callers wait for it; later calls
    /// return after <see cref="VerifyConnectionAsync"/>. A failed or cancelled connect leaves the host unconnected,
    /// so it can be retried.
    /// </summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the host is usable.</returns>
    /// <exception cref="ObjectDisposedException">The host is disposed (or was disposed while connecting).</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisposalToken);
            try
            {
                if (_connected)
                {
                    await VerifyConnectionAsync(linked.Token).ConfigureAwait(false);
                    return;
                }

                await ConnectCoreAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && DisposalToken.IsCancellationRequested)
            {
                throw new ObjectDisposedException(GetType().FullName, $"{DisplayName} was disposed while connecting.");
            }

            _connected = true;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <inheritdoc/>
    /// <remarks>The default runs <c>mkdir -p</c> and <c>chmod 700</c> on both directories through <see cref="RunCommandAsync"/>.</remarks>
    public virtual async Task SetupWorkdirAsync(CancellationToken cancellationToken)
    {
        var script = "mkdir -p -- \"$1\" \"$2\" && chmod 700 -- \"$1\" \"$2\"";
        await RunCheckedAsync(HostCommand.Shell(script, TaskDirectory, WorkDirectory), "setting up the work directory", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public abstract Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The default runs <c>rm -f</c> through <see cref="RunCommandAsync"/>.</remarks>
    public virtual async Task RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        await RunCheckedAsync(new HostCommand("rm", ["-f", "--", path]), $"removing {path}", cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>The default runs <c>realpath -m</c> (GNU coreutils) through <see cref="RunCommandAsync"/>.</remarks>
    public virtual async Task<string> ResolveRealPathAsync(string path, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        var result = await RunCheckedAsync(new HostCommand("realpath", ["-m", "--", path]), "realpath", cancellationToken).ConfigureAwait(false);
        var resolved = result.StandardOutput.EndsWith('\n') ? result.StandardOutput[..^1] : result.StandardOutput;
        return resolved.StartsWith('/') ? resolved : throw new HostCommandException($"realpath -m returned a relative path on {DisplayName}", result);
    }

    /// <inheritdoc/>
    /// <remarks>The default prints <c>$HOME</c> through <see cref="RunCommandAsync"/>.</remarks>
    public virtual async Task<string> ResolveHomeAsync(CancellationToken cancellationToken)
    {
        var result = await RunCheckedAsync(HostCommand.Shell("printf '%s\\n' \"$HOME\""), "reading $HOME", cancellationToken).ConfigureAwait(false);
        var home = result.StandardOutput.TrimEnd('\n');
        return home.StartsWith('/') ? home : throw new HostCommandException($"reading $HOME on {DisplayName} (not an absolute path)", result);
    }

    /// <inheritdoc/>
    public abstract Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken);

    /// <inheritdoc/>
    /// <remarks>
    /// The default suits hosts whose loopback interface is this machine's (local hosts, fakes): it returns
    /// <c>127.0.0.1</c> with the same port. A remote host must override it.
    /// </remarks>
    public virtual Task<IPEndPoint> OpenTunnelAsync(int hostPort, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostPort, 65535);
        ThrowIfDisposed();
        return Task.FromResult(new IPEndPoint(IPAddress.Loopback, hostPort));
    }

    /// <inheritdoc/>
    public abstract IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The default runs <c>rm -rf</c> on the task directory through <see cref="RunCommandAsync"/>.</remarks>
    /// <exception cref="IOException">The directory could not be removed.</exception>
    public virtual async Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken)
    {
        var directory = TaskDirectory;
        try
        {
            await RunCheckedAsync(new HostCommand("rm", ["-rf", "--", directory]), "removing the task directory", cancellationToken).ConfigureAwait(false);
        }
        catch (HostCommandException ex)
        {
            throw new IOException($"Could not remove the task directory '{directory}' on {DisplayName}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Disposes the host once (later and concurrent calls return at once): stops every tracked process that is still
    /// running (while the connection still works), cancels <see cref="DisposalToken"/>, waits for a connect in
    /// progress, then runs <see cref="DisposeAsyncCore"/>.
    /// </summary>
    /// <returns>A task that completes when the host is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, Disposing) != Live)
        {
            return;
        }

        IHostProcess[] processes;
        lock (_processes)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        try
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // Even if stopping a process failed, the connection and everything else still close.
            await _disposal.CancelAsync().ConfigureAwait(false);
            await _connectLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await DisposeAsyncCore().ConfigureAwait(false);
            }
            finally
            {
                _connectLock.Release();
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Connects to the host; called once by <see cref="ConnectAsync"/> (again only after it failed).</summary>
    /// <param name="cancellationToken">The caller's token, linked with <see cref="DisposalToken"/>.</param>
    /// <returns>A task that completes when connected. The default does nothing (a local host).</returns>
    protected virtual Task ConnectCoreAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called by <see cref="ConnectAsync"/> on an already connected host; throw if the connection was lost.</summary>
    /// <param name="cancellationToken">The caller's token, linked with <see cref="DisposalToken"/>.</param>
    /// <returns>A task that completes when the check is done. The default does nothing.</returns>
    protected virtual Task VerifyConnectionAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Releases the host's own resources (connections, tunnels, temporary directories). Runs once, after the tracked
    /// processes were stopped and <see cref="DisposalToken"/> was cancelled, never concurrently with a connect.
    /// Must not throw.
    /// </summary>
    /// <returns>A task that completes when done. The default does nothing.</returns>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    /// <summary>Registers a launched process so that disposal stops it; forgets processes that have exited.</summary>
    /// <typeparam name="TProcess">The process type.</typeparam>
    /// <param name="process">The process just launched.</param>
    /// <returns><paramref name="process"/>.</returns>
    /// <exception cref="ObjectDisposedException">The host is being disposed; the process was disposed (stopped) first.</exception>
    protected async Task<TProcess> TrackProcessAsync<TProcess>(TProcess process)
        where TProcess : IHostProcess
    {
        ArgumentNullException.ThrowIfNull(process);
        lock (_processes)
        {
            if (!IsDisposed)
            {
                _processes.RemoveAll(p => p.Exited.IsCompleted);
                _processes.Add(process);
                return process;
            }
        }

        await process.DisposeAsync().ConfigureAwait(false);
        throw new ObjectDisposedException(GetType().FullName, $"{DisplayName} was disposed while a process was being launched.");
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once <see cref="DisposeAsync"/> has started.</summary>
    /// <exception cref="ObjectDisposedException">The host is disposed.</exception>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Throws unless <see cref="ConnectAsync"/> has succeeded and the host is not disposed.</summary>
    /// <exception cref="ObjectDisposedException">The host is disposed.</exception>
    /// <exception cref="InvalidOperationException">The host is not connected.</exception>
    protected void ThrowIfNotConnected()
    {
        ThrowIfDisposed();
        if (!_connected)
        {
            throw new InvalidOperationException($"{DisplayName} is not connected: call ConnectAsync first.");
        }
    }

    /// <summary>Runs a command and throws <see cref="HostCommandException"/> unless it exits with 0.</summary>
    /// <param name="command">The command.</param>
    /// <param name="what">What it does, for the message (<c>setting up the work directory</c>).</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The result of the successful command.</returns>
    /// <exception cref="HostCommandException">The command failed.</exception>
    protected async Task<HostCommandResult> RunCheckedAsync(HostCommand command, string what, CancellationToken cancellationToken)
    {
        var result = await RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? result : throw new HostCommandException($"{what} on {DisplayName}", result);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="path"/> is an absolute POSIX path.</summary>
    /// <param name="path">The path.</param>
    /// <param name="paramName">The parameter name for the exception.</param>
    /// <exception cref="ArgumentException">The path is empty or relative.</exception>
    protected static void RequireAbsolute(string path, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(path))] string? paramName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path, paramName);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"Host paths must be absolute POSIX paths, got '{path}'.", paramName);
        }
    }
}
