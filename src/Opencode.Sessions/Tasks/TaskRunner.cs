using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Protocol;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions;

/// <summary>
/// Runs one execution of a task: the whole session lifecycle. Teardown (terminate opencode, AfterExecute, snapshot,
/// task-directory wipe, host disposal) runs whatever step failed, connect and install included.
/// </summary>
internal sealed partial class TaskRunner
{
    /// <summary>How long a DONE/ERROR already written may take to arrive after opencode exited.</summary>
    internal static readonly TimeSpan PrematureExitGrace = TimeSpan.FromSeconds(2);

    private readonly TaskInstance _task;
    private readonly OpencodeTaskConfig _config;
    private readonly IProcessContext _context;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _followCancellation = new();

    private IHost? _host;
    private HookContext? _hookContext;
    private ProtocolDriver? _driver;
    private Task<ProtocolOutcome>? _driverTask;
    private OpencodeServerProcess? _server;
    private string? _opencodePath;
    private IReadOnlyDictionary<string, string?>? _environment;
    private string? _sessionId;

    /// <summary>Set once a leftover task directory was moved aside: from then on the task directory is this run's to remove.</summary>
    private bool _ownsTaskDirectory;
    private bool _bodyStarted;

    public TaskRunner(TaskInstance task, IProcessContext context)
    {
        _task = task;
        _config = task.Config;
        _context = context;
        _loggerFactory = _config.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<TaskRunner>();
    }

    private IHost Host => _host ?? throw new InvalidOperationException("The host is not connected.");

    private string OptioLog => HostPath.Combine(Host.WorkDirectory, "optio.log");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var activity = Diagnostics.Telemetry.ActivitySource.StartActivity("opencode.session");
        activity?.SetTag("opencode.sessions.process_id", _task.ProcessId);
        Log.SessionStarting(_logger, _task.ProcessId, _context.Resume);
        var started = _config.TimeProvider.GetTimestamp();
        Diagnostics.SessionMetrics.Started();
        var snapshots = _config.SupportsResume ? _config.CreateSnapshotService() : null;
        SnapshotRecord? snapshot = null;
        ExceptionDispatchInfo? failure = null;
        var end = SnapshotEndState.Failed;
        try
        {
            if (_context.Resume && snapshots is not null)
            {
                snapshot = await snapshots.Store.LoadLatestAsync(_task.ProcessId, cancellationToken).ConfigureAwait(false);
                if (snapshot is null)
                {
                    _context.ReportProgress(null, "No snapshot to resume from; starting fresh");
                }
            }

            _host = CreateHost();
            await Host.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await LockTaskAsync(cancellationToken).ConfigureAwait(false);
            await StopEarlierRunProcessesAsync(cancellationToken).ConfigureAwait(false);
            await PreserveLeftoverTaskDirectoryAsync(cancellationToken).ConfigureAwait(false);
            _ownsTaskDirectory = true;
            await Host.SetupWorkdirAsync(cancellationToken).ConfigureAwait(false);
            _hookContext = new HookContext(_context, Host);
            _environment = OpencodeEnvironment.Build(Host.TaskDirectory, _config.IsolateHome, _config.Environment, _config.InheritEnvironment);
            _opencodePath = await new OpencodeInstaller(Host, _loggerFactory.CreateLogger<OpencodeInstaller>(), _config.TimeProvider)
                .EnsureInstalledAsync(_config.ToInstallRequest(), _context.ReportProgress, cancellationToken).ConfigureAwait(false);
            var resumed = snapshot is not null && snapshots is not null && await RestoreAsync(snapshots, snapshot, cancellationToken).ConfigureAwait(false);
            await PrepareLogChannelAsync(resumed, cancellationToken).ConfigureAwait(false);
            end = await RunSessionAsync(resumed ? snapshot!.SessionId : null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            end = SnapshotEndState.Cancelled;
            failure = ExceptionDispatchInfo.Capture(new OperationCanceledException(
                "The opencode session was cancelled; opencode was killed.", cancellationToken));
        }
        catch (Exception ex)
        {
            end = SnapshotEndState.Failed;
            failure = ExceptionDispatchInfo.Capture(ex);
        }

        failure = await TeardownAsync(snapshots, end, failure).ConfigureAwait(false);
        Diagnostics.SessionMetrics.Ended(failure is null ? "done" : end == SnapshotEndState.Cancelled ? "cancelled" : "failed", _config.TimeProvider.GetElapsedTime(started));
        if (failure is not null)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.SourceException.GetType().Name);
            Log.SessionFailed(_logger, _task.ProcessId, failure.SourceException);
            failure.Throw();
        }

        Log.SessionSucceeded(_logger, _task.ProcessId);
    }

    /// <summary>Starts the body and decides the outcome: the first of the log channel, opencode's exit and cancellation.</summary>
    private async Task<SnapshotEndState> RunSessionAsync(string? resumedSessionId, CancellationToken cancellationToken)
    {
        using var bodyCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _bodyStarted = true; // from here on AfterExecute runs, whatever happens
        var body = RunBodyAsync(resumedSessionId, bodyCancellation.Token);
        var driver = _driverTask!;
        try
        {
            // A registration we dispose, rather than Task.Delay(Infinite, token): job runners often pass one long-lived
            // token to every run, and each Delay would leave a callback registered on it.
            var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled))
            {
                await Task.WhenAny(driver, body, cancelled.Task).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!driver.IsCompleted)
            {
                // The body ended first: opencode exited, or a step failed. A DONE/ERROR already written gets a grace.
                if (body.IsFaulted)
                {
                    await body.ConfigureAwait(false);
                }

                await Task.WhenAny(driver, Task.Delay(PrematureExitGrace, _config.TimeProvider, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (!driver.IsCompleted)
                {
                    var exitCode = await body.ConfigureAwait(false);
                    throw new OpencodeExitedException(exitCode, string.Join(Environment.NewLine, _server?.OutputTail(20) ?? []));
                }
            }

            return await ResolveOutcomeAsync(await driver.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await bodyCancellation.CancelAsync().ConfigureAwait(false);
            await IgnoreFailureAsync(body).ConfigureAwait(false);
        }
    }

    private async Task<SnapshotEndState> ResolveOutcomeAsync(ProtocolOutcome outcome, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case ProtocolOutcome.Done:
                await _driver!.DrainAsync(cancellationToken).ConfigureAwait(false);
                return SnapshotEndState.Done;
            case ProtocolOutcome.Error error:
                throw new AgentReportedErrorException(error.Message);
            case ProtocolOutcome.EndedWithoutDone ended:
                if (ended.SourceError is SshConnectionException lost)
                {
                    // The connection failed, not the log channel: surface it as such, whichever of the follower and
                    // opencode's channel noticed first, so callers can treat every SSH failure alike (retry, resume).
                    ExceptionDispatchInfo.Throw(lost);
                }

                throw new LogChannelClosedException(Host.DisplayName, OptioLog, ended.SourceError);
            default:
                throw new InvalidOperationException($"Unexpected protocol outcome {outcome}.");
        }
    }

    private IHost CreateHost()
    {
        if (_config.HostFactory is { } factory)
        {
            return factory(new HostFactoryContext(_task.ProcessId, _config, _loggerFactory))
                ?? throw new InvalidOperationException($"{nameof(OpencodeTaskConfig.HostFactory)} returned null.");
        }

        return _config.Ssh is { } ssh
            ? new SshHost(ssh, _task.ProcessId, _loggerFactory.CreateLogger<SshHost>())
            : new LocalHost(_task.ProcessId, _config.TaskRoot, _loggerFactory.CreateLogger<LocalHost>());
    }

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already accounted for (or irrelevant once the outcome was decided).
        }
    }
}
