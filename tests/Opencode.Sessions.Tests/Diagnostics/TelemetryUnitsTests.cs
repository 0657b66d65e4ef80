using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Conversations;
using Opencode.Sessions.Diagnostics;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Tests.Opencode;

namespace Opencode.Sessions.Tests.Diagnostics;

/// <summary>Durations are in seconds everywhere (OpenTelemetry's convention): instruments, log messages and their values.</summary>
public sealed class TelemetryUnitsTests
{
    [Test]
    public void Meter_EveryInstrument_IsDocumentedAndDurationsAreInSeconds()
    {
        // Arrange: the instruments are static fields; running the class constructors creates them.
        RuntimeHelpers.RunClassConstructor(typeof(Turn).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(OpencodeClient).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(SessionMetrics).TypeHandle);
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == OpencodeSessionsTelemetry.MeterName)
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };

        // Act
        listener.Start();

        // Assert
        Dictionary<string, string?> units;
        lock (instruments)
        {
            units = instruments.GroupBy(i => i.Name).ToDictionary(g => g.Key, g => g.First().Unit);
        }

        Assert.That(units.Keys, Is.EquivalentTo(new[]
        {
            "opencode.sessions.session.duration", "opencode.sessions.session.active", "opencode.sessions.turn.count",
            "opencode.sessions.turn.duration", "opencode.sessions.client.request.duration",
        }));
        Assert.That(units.Where(u => u.Key.EndsWith(".duration", StringComparison.Ordinal)).Select(u => u.Value), Has.All.EqualTo("s"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task ClientRequest_DurationHistogramAndLog_AreInSeconds(CancellationToken cancellationToken)
    {
        // Arrange: a server that answers an unusual status after 300 ms, so this request's measurement is recognisable.
        const int Status = 418;
        var measurements = new List<double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == OpencodeSessionsTelemetry.MeterName && instrument.Name == "opencode.sessions.client.request.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "http.response.status_code" && tag.Value is Status)
                {
                    lock (measurements)
                    {
                        measurements.Add(value);
                    }
                }
            }
        });
        listener.Start();
        var logger = new StateLogger();
        await using var server = new StubHttpServer(async (_, response, ct) =>
        {
            await Task.Delay(300, ct);
            await response.RespondAsync(Status, """{"message":"teapot"}""");
        });
        using var client = new OpencodeClient(new OpencodeClientOptions { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(20) }, logger);

        // Act
        await Assert.CatchAsync<OpencodeClientException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        // Assert
        lock (measurements)
        {
            Assert.That(measurements, Has.Count.EqualTo(1));
            Assert.That(measurements[0], Is.InRange(0.29, 20.0), "seconds, not milliseconds");
        }

        var entry = logger.Entries.Single(e => e.EventId.Id == 1400);
        var elapsed = entry.State.Single(p => p.Key == "ElapsedSeconds").Value;
        Assert.That(elapsed, Is.TypeOf<double>().And.InRange(0.29, 20.0));
        Assert.That(entry.Message, Does.Match(@"^opencode GET /session/ses_x answered 418 in \d+\.\d{3} s$"));
    }

    [Test]
    public void LogMessages_FormatSecondsWithThreeDecimals_RegardlessOfCulture()
    {
        // Arrange
        var logger = new StateLogger();
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            // Act
            ConversationsLog.TurnFinished(logger, "rec_1", "completed", 1.23456, 2);
            ConversationsLog.StreamCompleted(logger, "ses_1", 10, 1, 0.5);
            global::Opencode.Sessions.Launching.Log.OpencodeReady(logger, 42, 4096, 12.0);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        // Assert
        Assert.That(logger.Entries.Select(e => e.Message), Is.EqualTo(new[]
        {
            "Record rec_1: turn completed in 1.235 s with 2 tool calls",
            "Session ses_1: stream completed with 10 events, 1 tool calls in 0.500 s",
            "opencode (pid 42) is listening on port 4096 after 12.000 s",
        }));
        Assert.That(logger.Entries.Select(e => e.State.Single(p => p.Key == "ElapsedSeconds").Value), Is.EqualTo(new object[] { 1.23456, 0.5, 12.0 }));
    }

    /// <summary>Keeps each entry's formatted message and its structured state.</summary>
    private sealed class StateLogger : ILogger
    {
        private readonly List<(EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> State)> _entries = [];

        public IReadOnlyList<(EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> State)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return _entries.ToList();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            lock (_entries)
            {
                _entries.Add((eventId, formatter(state, exception), properties.ToList()));
            }
        }
    }
}
