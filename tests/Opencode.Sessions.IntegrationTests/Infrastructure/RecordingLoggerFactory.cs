using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A logger factory that keeps the last lines every logger wrote (all levels), so a failed test can print what the
/// library did. Thread-safe.
/// </summary>
internal sealed class RecordingLoggerFactory(int capacity = 2000) : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Gets the kept lines, oldest first.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RecordingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel.ToString()[..4]} {category}: {formatter(state, exception)}";
            owner.Add(exception is null ? line : line + " | " + exception.GetType().Name + ": " + exception.Message);
        }
    }
}
