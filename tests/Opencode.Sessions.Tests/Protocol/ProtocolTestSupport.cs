using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Moq;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Protocol;

/// <summary>Narrow seams for protocol tests: a host backed by a real directory, and a progress recorder.</summary>
internal static class ProtocolTestSupport
{
    /// <summary>
    /// A mocked <see cref="IHost"/> whose work directory is real: <c>ResolveRealPathAsync</c> runs <c>realpath -m</c>
    /// and <c>OpenReadAsync</c> opens the local file. Further setups can be added to the returned mock.
    /// </summary>
    public static Mock<IHost> CreateHost(string workDirectory)
    {
        var host = new Mock<IHost>(MockBehavior.Strict);
        host.SetupGet(h => h.WorkDirectory).Returns(workDirectory);
        host.SetupGet(h => h.DisplayName).Returns("test host");
        host.Setup(h => h.ResolveRealPathAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string path, CancellationToken ct) => RealPathAsync(path, ct));
        host.Setup(h => h.OpenReadAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string path, CancellationToken _) => Task.FromResult<Stream>(File.OpenRead(path)));
        host.Setup(h => h.OpenWorkdirFileAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string relative, CancellationToken _) => Task.FromResult(global::Opencode.Sessions.Hosting.Local.BeneathFiles.OpenRead(workDirectory, relative)));
        return host;
    }

    /// <summary>A process context that records every progress report.</summary>
    public static Mock<IProcessContext> CreateContext(ConcurrentQueue<(int? Percent, string? Message)> progress)
    {
        var context = new Mock<IProcessContext>();
        context.SetupGet(c => c.ProcessId).Returns("proc-1");
        context.Setup(c => c.ReportProgress(It.IsAny<int?>(), It.IsAny<string?>()))
            .Callback((int? percent, string? message) => progress.Enqueue((percent, message)));
        return context;
    }

    /// <summary><c>realpath -m</c> on this machine (the behaviour IHost.ResolveRealPathAsync specifies).</summary>
    public static async Task<string> RealPathAsync(string path, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("realpath") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("realpath did not start");
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new IOException($"realpath -m '{path}' failed ({process.ExitCode}): {error}");
        }

        return output.TrimEnd('\n');
    }

    /// <summary>Yields the given lines, counting how many were pulled and noting disposal.</summary>
    public sealed class ScriptedLines(params FollowedLine[] lines)
    {
        private int _yielded;

        public int Yielded => Volatile.Read(ref _yielded);

        public bool Disposed { get; private set; }

        public Exception? ThrowAtEnd { get; init; }

        public async IAsyncEnumerable<FollowedLine> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                foreach (var line in lines)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Yield();
                    Interlocked.Increment(ref _yielded);
                    yield return line;
                }

                if (ThrowAtEnd is not null)
                {
                    throw ThrowAtEnd;
                }
            }
            finally
            {
                Disposed = true;
            }
        }
    }

    /// <summary>Lines from plain strings.</summary>
    public static FollowedLine[] Lines(params string[] texts) => [.. texts.Select(t => new FollowedLine(t))];

    /// <summary>Polls a condition until it holds (tests stay bounded by their CancelAfter token).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Records log events (for assertions by EventId).</summary>
    public sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<(EventId Id, LogLevel Level, Exception? Exception)> Events { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Enqueue((eventId, logLevel, exception));

        public bool Has(int eventId) => Events.Any(e => e.Id.Id == eventId);
    }
}
