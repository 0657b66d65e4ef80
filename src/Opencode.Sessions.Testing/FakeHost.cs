using System.Net;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Testing;

/// <summary>
/// An in-memory <see cref="IHost"/> for unit tests of code that uses a host: files live in a dictionary, commands go
/// to a handler, launched processes are <see cref="FakeHostProcess"/> objects the test drives, and every call is
/// recorded in order. Any operation can be made to fail or to block. Thread-safe.
/// </summary>
/// <remarks>
/// Paths are POSIX paths, normalised lexically (<c>.</c> and <c>..</c> removed). Symlinks registered with
/// <see cref="AddSymlink"/> are honoured by <see cref="ResolveRealPathAsync"/> only. After disposal every operation
/// throws <see cref="ObjectDisposedException"/> (<see cref="DisposeAsync"/> itself stays idempotent).
/// </remarks>
/// <example>
/// <code>
/// var host = new FakeHost();
/// host.FailOn(nameof(IHost.ConnectAsync), new IOException("no route to host"));
/// var config = new OpencodeTaskConfig { HostFactory = _ =&gt; host };
/// </code>
/// </example>
public sealed partial class FakeHost : HostBase, IHost
{
    private static readonly HashSet<string> KnownOperations =
        typeof(IHost).GetMethods().Select(m => m.Name).Append(nameof(DisposeAsync)).Append(nameof(IHostProcess.TerminateAsync))
            .ToHashSet(StringComparer.Ordinal);

    private readonly object _gate = new();
    private readonly List<FakeHostCall> _calls = [];
    private readonly List<HostCommand> _commands = [];
    private readonly List<FakeHostProcess> _processes = [];
    private readonly List<(string Operation, Exception Exception, Func<FakeHostCall, bool>? When, bool Once)> _failures = [];
    private int _nextProcessId = 4000;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="taskDirectory">The absolute task directory; <see langword="null"/> = <c>/fake/tasks/fake-process</c>.
    /// The work directory is <c>&lt;taskDirectory&gt;/workdir</c>.</param>
    /// <param name="displayName">The <see cref="DisplayName"/>; <see langword="null"/> = <c>fake host</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="taskDirectory"/> is not absolute.</exception>
    public FakeHost(string? taskDirectory = null, string? displayName = null)
    {
        DisplayName = displayName ?? "fake host";
        taskDirectory ??= "/fake/tasks/fake-process";
        if (!taskDirectory.StartsWith('/'))
        {
            throw new ArgumentException($"The task directory must be an absolute POSIX path, not '{taskDirectory}'.", nameof(taskDirectory));
        }

        TaskDirectory = HostPath.Normalize(taskDirectory);
        WorkDirectory = TaskDirectory + "/workdir";
    }

    /// <inheritdoc/>
    public override string DisplayName { get; }

    /// <inheritdoc/>
    public override string TaskDirectory { get; }

    /// <inheritdoc/>
    public override string WorkDirectory { get; }

    /// <summary>Gets the directory <see cref="ResolveHomeAsync"/> returns. Default <c>/home/fake</c>.</summary>
    public string HomeDirectory { get; init; } = "/home/fake";

    /// <summary>
    /// Gets or sets the handler that answers <see cref="RunCommandAsync"/>; <see langword="null"/> (the default)
    /// answers every command with exit code 0 and no output. It may read <see cref="HostCommand.StandardInput"/>.
    /// </summary>
    public Func<HostCommand, HostCommandResult>? CommandHandler { get; set; }

    /// <summary>
    /// Gets or sets a callback awaited at the start of every operation, after it was recorded and before any configured
    /// failure is thrown: block on a <see cref="TaskCompletionSource"/> to hold an operation, or throw to fail it.
    /// </summary>
    public Func<FakeHostCall, CancellationToken, Task>? BeforeCall { get; set; }

    /// <summary>Gets or sets a callback that receives each launched process before <see cref="LaunchAsync"/> returns (to script it).</summary>
    public Action<FakeHostProcess>? OnLaunch { get; set; }

    /// <summary>Gets every call so far, in order (calls that failed included).</summary>
    public IReadOnlyList<FakeHostCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToArray();
            }
        }
    }

    /// <summary>Gets the operation names of <see cref="Calls"/>, in order, for ordering assertions.</summary>
    public IReadOnlyList<string> Operations => Calls.Select(c => c.Operation).ToArray();

    /// <summary>Gets every command passed to <see cref="RunCommandAsync"/>, in order.</summary>
    public IReadOnlyList<HostCommand> Commands
    {
        get
        {
            lock (_gate)
            {
                return _commands.ToArray();
            }
        }
    }

    /// <summary>Gets every process launched, in order.</summary>
    public IReadOnlyList<FakeHostProcess> Processes
    {
        get
        {
            lock (_gate)
            {
                return _processes.ToArray();
            }
        }
    }

    /// <summary>Gets a value indicating whether <see cref="DisposeAsync"/> was called.</summary>
    public new bool IsDisposed => base.IsDisposed;

    /// <summary>Makes calls of <paramref name="operation"/> throw <paramref name="exception"/> until <see cref="ClearFailures"/>.</summary>
    /// <param name="operation">An <see cref="IHost"/> member name (use <c>nameof</c>), or <c>TerminateAsync</c> for launched processes.</param>
    /// <param name="exception">The exception to throw.</param>
    /// <param name="when">Fails only the calls it accepts (for example one path); <see langword="null"/> = all.</param>
    /// <exception cref="ArgumentException"><paramref name="operation"/> is not an <see cref="IHost"/> member.</exception>
    public void FailOn(string operation, Exception exception, Func<FakeHostCall, bool>? when = null) => AddFailure(operation, exception, when, once: false);

    /// <summary>Makes the next matching call of <paramref name="operation"/> throw <paramref name="exception"/>, once.</summary>
    /// <param name="operation">An <see cref="IHost"/> member name, or <c>TerminateAsync</c>.</param>
    /// <param name="exception">The exception to throw.</param>
    /// <param name="when">Fails only a call it accepts; <see langword="null"/> = the next call.</param>
    /// <exception cref="ArgumentException"><paramref name="operation"/> is not an <see cref="IHost"/> member.</exception>
    public void FailOnce(string operation, Exception exception, Func<FakeHostCall, bool>? when = null) => AddFailure(operation, exception, when, once: true);

    /// <summary>Removes every configured failure.</summary>
    public void ClearFailures()
    {
        lock (_gate)
        {
            _failures.Clear();
        }
    }

    /// <summary>Records the call and runs <see cref="BeforeCall"/> and any configured failure, then disposes the host once.</summary>
    /// <returns>A task that completes when done.</returns>
    /// <remarks>Every call is recorded (the second too), so a test sees whether the code under test disposed twice.</remarks>
    public new ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _calls.Add(new FakeHostCall(nameof(DisposeAsync), null));
        }

        return base.DisposeAsync();
    }

    /// <inheritdoc/>
    public override async Task SetupWorkdirAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(nameof(SetupWorkdirAsync), TaskDirectory, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            AddDirectoryWithParents(WorkDirectory);
        }
    }

    /// <inheritdoc/>
    public override async Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await EnterAsync(nameof(RunCommandAsync), command.ToString(), cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _commands.Add(command);
        }

        return CommandHandler?.Invoke(command) ?? new HostCommandResult(0, "", "");
    }

    /// <inheritdoc/>
    public override async Task<string> ResolveHomeAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(nameof(ResolveHomeAsync), null, cancellationToken).ConfigureAwait(false);
        return HomeDirectory;
    }

    /// <inheritdoc/>
    /// <remarks>The process gets the next fake process id; <see cref="OnLaunch"/> runs before this returns.</remarks>
    public override async Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        await EnterAsync(nameof(LaunchAsync), ShellQuoting.Join(startInfo.FileName, startInfo.Arguments), cancellationToken).ConfigureAwait(false);
        FakeHostProcess process;
        lock (_gate)
        {
            process = new FakeHostProcess(this, _nextProcessId++, startInfo);
            _processes.Add(process);
        }

        await TrackProcessAsync(process).ConfigureAwait(false);
        OnLaunch?.Invoke(process);
        return process;
    }

    /// <inheritdoc/>
    /// <remarks>Returns 127.0.0.1 with the same port, like the local host.</remarks>
    public override async Task<IPEndPoint> OpenTunnelAsync(int hostPort, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hostPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hostPort, 65535);
        await EnterAsync(nameof(OpenTunnelAsync), hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return new IPEndPoint(IPAddress.Loopback, hostPort);
    }

    /// <inheritdoc/>
    public override async Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken)
    {
        await EnterAsync(nameof(CleanupTaskDirectoryAsync), TaskDirectory, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            RemoveTree(TaskDirectory, keepRoot: false);
        }
    }

    /// <inheritdoc/>
    protected override Task ConnectCoreAsync(CancellationToken cancellationToken) => EnterAsync(nameof(ConnectAsync), null, cancellationToken);

    /// <inheritdoc/>
    protected override Task VerifyConnectionAsync(CancellationToken cancellationToken) => EnterAsync(nameof(ConnectAsync), null, cancellationToken);

    /// <summary>Launched processes are killed (exit code 137) by the base class; this wakes the followers so they end.</summary>
    /// <returns>A completed task.</returns>
    protected override ValueTask DisposeAsyncCore()
    {
        SignalChanged();
        return ValueTask.CompletedTask;
    }

    /// <summary>Records a call, runs <see cref="BeforeCall"/>, and throws a configured failure (used by launched processes too).</summary>
    internal async Task EnterAsync(string operation, string? target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var call = new FakeHostCall(operation, target);
        lock (_gate)
        {
            _calls.Add(call);
            ObjectDisposedException.ThrowIf(IsDisposed && operation != nameof(IHostProcess.TerminateAsync), this);
        }

        if (BeforeCall is { } before)
        {
            await before(call, cancellationToken).ConfigureAwait(false);
        }

        Exception? failure = null;
        lock (_gate)
        {
            var index = _failures.FindIndex(f => f.Operation == operation && (f.When is null || f.When(call)));
            if (index >= 0)
            {
                failure = _failures[index].Exception;
                if (_failures[index].Once)
                {
                    _failures.RemoveAt(index);
                }
            }
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    private void AddFailure(string operation, Exception exception, Func<FakeHostCall, bool>? when, bool once)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(exception);
        if (!KnownOperations.Contains(operation))
        {
            throw new ArgumentException(
                $"'{operation}' is not an IHost operation. Use one of: {string.Join(", ", KnownOperations.Order(StringComparer.Ordinal))}.",
                nameof(operation));
        }

        lock (_gate)
        {
            _failures.Add((operation, exception, when, once));
        }
    }
}
