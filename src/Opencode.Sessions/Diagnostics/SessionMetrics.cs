using System.Diagnostics.Metrics;

namespace Opencode.Sessions.Diagnostics;

/// <summary>Session-level instruments on the "Opencode.Sessions" meter.</summary>
internal static class SessionMetrics
{
    private static readonly Histogram<double> Duration = Telemetry.Meter.CreateHistogram<double>(
        "opencode.sessions.session.duration", unit: "s", description: "Duration of opencode session executions, by outcome.");

    private static readonly UpDownCounter<long> Active = Telemetry.Meter.CreateUpDownCounter<long>(
        "opencode.sessions.session.active", unit: "{session}", description: "Session executions currently running.");

    public static void Started() => Active.Add(1);

    /// <summary>Records the end of an execution; <paramref name="outcome"/> is done, failed or cancelled.</summary>
    public static void Ended(string outcome, TimeSpan elapsed)
    {
        Active.Add(-1);
        Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }
}
