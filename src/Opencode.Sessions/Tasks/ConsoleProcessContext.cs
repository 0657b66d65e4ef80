namespace Opencode.Sessions;

/// <summary>
/// An <see cref="IProcessContext"/> for console programs and scripts: progress and widget information are written to
/// a <see cref="TextWriter"/> (standard output by default); the saved-state flag is kept in memory. Control
/// characters in progress messages are printed as visible escapes (<c>\x1b</c>, <c>\x0d</c>…), so no message can
/// clear the screen, retitle the terminal or overwrite a line.
/// </summary>
public sealed class ConsoleProcessContext : IProcessContext
{
    private readonly TextWriter _output;
    private readonly object _gate = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="processId">The process id.</param>
    /// <param name="resume">Whether to resume from the latest snapshot.</param>
    /// <param name="output">Where lines go; <see langword="null"/> = <see cref="Console.Out"/>.</param>
    public ConsoleProcessContext(string processId, bool resume = false, TextWriter? output = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(processId);
        ProcessId = processId;
        Resume = resume;
        _output = output ?? Console.Out;
    }

    /// <inheritdoc/>
    public string ProcessId { get; }

    /// <inheritdoc/>
    public bool Resume { get; }

    /// <summary>Gets the last percentage reported, if any.</summary>
    public int? LastPercent { get; private set; }

    /// <summary>Gets the widget upstream, once set.</summary>
    public Uri? WidgetUpstream { get; private set; }

    /// <summary>Gets the credentials the widget proxy must add, once set.</summary>
    public BasicAuth? WidgetUpstreamAuth { get; private set; }

    /// <summary>Gets the widget data, once set.</summary>
    public WidgetData? WidgetData { get; private set; }

    /// <summary>Gets a value indicating whether a saved state was recorded.</summary>
    public bool HasSavedState { get; private set; }

    /// <summary>
    /// Gets the URL a browser on this machine can open to see the live session: the upstream with the
    /// <c>{widgetProxyUrl}</c> placeholder substituted and, if asked for, the credentials passed as <c>auth_token</c>.
    /// </summary>
    /// <param name="includeCredentials">
    /// Whether to append <c>?auth_token=</c>. The URL then holds the session password: never log it.
    /// </param>
    /// <returns>The URL, or <see langword="null"/> before the widget was set up.</returns>
    public Uri? GetBrowserUrl(bool includeCredentials = true)
    {
        lock (_gate)
        {
            if (WidgetUpstream is null || WidgetData is null)
            {
                return null;
            }

            var baseUrl = WidgetUpstream.ToString().TrimEnd('/') + "/";
            var url = WidgetData.IframeSrc.Replace(WidgetData.ProxyUrlPlaceholder, baseUrl, StringComparison.Ordinal);
            if (includeCredentials && WidgetUpstreamAuth is not null)
            {
                url += "?auth_token=" + Uri.EscapeDataString(WidgetUpstreamAuth.ToToken());
            }

            return new Uri(url);
        }
    }

    /// <inheritdoc/>
    public void ReportProgress(int? percent, string? message)
    {
        lock (_gate)
        {
            if (percent is not null)
            {
                LastPercent = percent;
            }

            if (message is null && percent is null)
            {
                return;
            }

            // Progress may quote the agent (or a hook): never let it drive the terminal.
            var prefix = percent is null ? "      " : $"[{percent,3}%]";
            _output.WriteLine($"{prefix} {(message is null ? null : Protocol.AgentText.Neutralise(message))}");
            _output.Flush();
        }
    }

    /// <inheritdoc/>
    public Task SetWidgetUpstreamAsync(Uri upstream, BasicAuth? innerAuth, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        lock (_gate)
        {
            WidgetUpstream = upstream;
            WidgetUpstreamAuth = innerAuth;
            _output.WriteLine($"       widget upstream: {upstream} ({innerAuth?.ToString() ?? "no auth"})");
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task SetWidgetDataAsync(WidgetData data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        lock (_gate)
        {
            WidgetData = data;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task MarkHasSavedStateAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            HasSavedState = true;
        }

        return Task.CompletedTask;
    }
}
