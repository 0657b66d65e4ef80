using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>An <see cref="ILogger{T}"/> that keeps every entry with its exception text, for leak and EventId checks.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(EventId EventId, string Text)> _entries = [];

    /// <summary>Gets each entry: its EventId, and its message followed by the full text of its exception.</summary>
    public IReadOnlyList<(EventId EventId, string Text)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((eventId, formatter(state, exception) + Environment.NewLine + exception));
        }
    }
}
