using Opencode.Sessions;

/// <summary>Prints the widget URL as soon as the session is live, then delegates to the console context.</summary>
internal sealed class DemoProcessContext(ConsoleProcessContext inner) : IProcessContext
{
    public string ProcessId => inner.ProcessId;

    public bool Resume => inner.Resume;

    public void ReportProgress(int? percent, string? message) => inner.ReportProgress(percent, message);

    public Task SetWidgetUpstreamAsync(Uri upstream, BasicAuth? innerAuth, CancellationToken cancellationToken) =>
        inner.SetWidgetUpstreamAsync(upstream, innerAuth, cancellationToken);

    public async Task SetWidgetDataAsync(WidgetData data, CancellationToken cancellationToken)
    {
        await inner.SetWidgetDataAsync(data, cancellationToken);
        // The URL carries no credentials: log in as "opencode" with the password from the task's run/ directory.
        Console.WriteLine($"       live web UI: {inner.GetBrowserUrl(includeCredentials: false)}");
        Console.WriteLine($"       iframe src:  {data.IframeSrc}");
    }

    public Task MarkHasSavedStateAsync(CancellationToken cancellationToken) => inner.MarkHasSavedStateAsync(cancellationToken);
}
