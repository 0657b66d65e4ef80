using Opencode.Sessions.Testing.Internal;

namespace Opencode.Sessions.Testing;

/// <summary>
/// An <see cref="IProcessContext"/> that records everything a task reports: progress entries, the widget upstream and
/// data, and saved-state marks. Thread-safe; tests can wait for a message with <see cref="WaitForMessageAsync"/>.
/// </summary>
/// <example>
/// <code>
/// var context = new RecordingProcessContext("job-1");
/// await task.ExecuteAsync(context, cancellationToken);
/// Assert.That(context.Messages, Does.Contain("Deliverable: report.md"));
/// </code>
/// </example>
public sealed class RecordingProcessContext : IProcessContext
{
    private readonly object _gate = new();
    private readonly AsyncWaiters<ProgressEntry> _progress = new();
    private readonly List<WidgetData> _widgetData = [];
    private int _savedStateMarks;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="processId">The process id (a safe path segment, as the task requires).</param>
    /// <param name="resume">Whether the execution should resume from the latest snapshot.</param>
    /// <exception cref="ArgumentException"><paramref name="processId"/> is null or empty.</exception>
    public RecordingProcessContext(string processId = "test-process", bool resume = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(processId);
        ProcessId = processId;
        Resume = resume;
    }

    /// <inheritdoc/>
    public string ProcessId { get; }

    /// <inheritdoc/>
    /// <remarks>Settable, so one context can drive a first run and then a resumed one.</remarks>
    public bool Resume { get; set; }

    /// <summary>Gets every progress report, in order.</summary>
    public IReadOnlyList<ProgressEntry> Progress => _progress.Snapshot();

    /// <summary>Gets the non-<see langword="null"/> progress messages, in order.</summary>
    public IReadOnlyList<string> Messages => _progress.Snapshot().Where(p => p.Message is not null).Select(p => p.Message!).ToArray();

    /// <summary>Gets the last percentage reported, or <see langword="null"/>.</summary>
    public int? LastPercent => _progress.Snapshot().LastOrDefault(p => p.Percent is not null)?.Percent;

    /// <summary>Gets the widget upstream, once set.</summary>
    public Uri? WidgetUpstream { get; private set; }

    /// <summary>Gets the credentials the widget proxy must add, once set.</summary>
    public BasicAuth? WidgetUpstreamAuth { get; private set; }

    /// <summary>Gets the number of <see cref="SetWidgetUpstreamAsync"/> calls.</summary>
    public int WidgetUpstreamCount { get; private set; }

    /// <summary>Gets the last widget data published, or <see langword="null"/>.</summary>
    public WidgetData? WidgetData
    {
        get
        {
            lock (_gate)
            {
                return _widgetData.LastOrDefault();
            }
        }
    }

    /// <summary>Gets every widget data published, in order.</summary>
    public IReadOnlyList<WidgetData> WidgetDataHistory
    {
        get
        {
            lock (_gate)
            {
                return _widgetData.ToArray();
            }
        }
    }

    /// <summary>Gets the number of <see cref="MarkHasSavedStateAsync"/> calls.</summary>
    public int SavedStateMarks => Volatile.Read(ref _savedStateMarks);

    /// <summary>Gets a value indicating whether <see cref="MarkHasSavedStateAsync"/> was called at least once.</summary>
    public bool HasSavedState => SavedStateMarks > 0;

    /// <inheritdoc/>
    public void ReportProgress(int? percent, string? message) => _progress.Add(_ => new ProgressEntry(percent, message));

    /// <inheritdoc/>
    public Task SetWidgetUpstreamAsync(Uri upstream, BasicAuth? innerAuth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            WidgetUpstream = upstream;
            WidgetUpstreamAuth = innerAuth;
            WidgetUpstreamCount++;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task SetWidgetDataAsync(WidgetData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _widgetData.Add(data);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task MarkHasSavedStateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _savedStateMarks);
        return Task.CompletedTask;
    }

    /// <summary>Returns the first progress message matching <paramref name="predicate"/>, waiting for it if needed.</summary>
    /// <param name="predicate">The condition on the message text.</param>
    /// <param name="cancellationToken">A token to stop waiting.</param>
    /// <returns>The message.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public async Task<string> WaitForMessageAsync(Func<string, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var entry = await _progress.WaitAsync(p => p.Message is not null && predicate(p.Message), cancellationToken).ConfigureAwait(false);
        return entry.Message!;
    }

    /// <summary>Returns the first progress entry matching <paramref name="predicate"/>, waiting for it if needed.</summary>
    /// <param name="predicate">The condition.</param>
    /// <param name="cancellationToken">A token to stop waiting.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    public Task<ProgressEntry> WaitForProgressAsync(Func<ProgressEntry, bool> predicate, CancellationToken cancellationToken = default) =>
        _progress.WaitAsync(predicate, cancellationToken);
}
