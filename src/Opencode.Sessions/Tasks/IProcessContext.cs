namespace Opencode.Sessions;

/// <summary>
/// The job runner's view of one process (one execution of a <see cref="TaskInstance"/>): progress, the UI widget and
/// the saved-state flag. Implemented by the application's job runner; <see cref="ConsoleProcessContext"/> is a
/// ready-made console implementation.
/// </summary>
public interface IProcessContext
{
    /// <summary>Gets the process id; it names the task directory and the snapshots.</summary>
    string ProcessId { get; }

    /// <summary>Gets a value indicating whether this execution should resume from the latest snapshot.</summary>
    bool Resume { get; }

    /// <summary>Reports progress.</summary>
    /// <param name="percent">0–100, or <see langword="null"/> for an indeterminate bar.</param>
    /// <param name="message">A line for the human, or <see langword="null"/> for none.</param>
    void ReportProgress(int? percent, string? message);

    /// <summary>Tells the UI where the widget's HTTP upstream (the opencode server) is.</summary>
    /// <param name="upstream">Base URL reachable from the job runner.</param>
    /// <param name="innerAuth">Credentials the proxy adds to forwarded requests, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>A task that completes when the upstream is registered.</returns>
    Task SetWidgetUpstreamAsync(Uri upstream, BasicAuth? innerAuth, CancellationToken cancellationToken);

    /// <summary>Publishes the widget data (iframe source and localStorage overrides).</summary>
    /// <param name="data">The data.</param>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>A task that completes when the data is published.</returns>
    Task SetWidgetDataAsync(WidgetData data, CancellationToken cancellationToken);

    /// <summary>Records that this process has a saved state it can be resumed from.</summary>
    /// <param name="cancellationToken">A token to cancel the call.</param>
    /// <returns>A task that completes when the flag is stored.</returns>
    Task MarkHasSavedStateAsync(CancellationToken cancellationToken);
}
