using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Opencode.Sessions.Diagnostics;

/// <summary>
/// The library's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, named by the public
/// <see cref="OpencodeSessionsTelemetry"/> constants and versioned with the assembly, so a consumer enables all of its
/// traces and metrics with one name. Durations are recorded in seconds.
/// </summary>
internal static class Telemetry
{
    /// <summary>The informational version of this assembly (falls back to the assembly version).</summary>
    public static readonly string Version = ResolveVersion();

    /// <summary>The activity source every span of the library is started from.</summary>
    public static readonly ActivitySource ActivitySource = new(OpencodeSessionsTelemetry.ActivitySourceName, Version);

    /// <summary>The meter every instrument of the library is created on.</summary>
    public static readonly Meter Meter = new(OpencodeSessionsTelemetry.MeterName, Version);

    /// <summary>Marks <paramref name="activity"/> as failed with the exception's type and message (no stack).</summary>
    /// <param name="activity">The activity, or null when nobody listens.</param>
    /// <param name="exception">The failure.</param>
    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }

    private static string ResolveVersion()
    {
        var assembly = typeof(Telemetry).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            // Strip SourceLink's "+<commit>" suffix: the version is a label, not a build id.
            var plus = informational.IndexOf('+', StringComparison.Ordinal);
            return plus > 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString() ?? "0.0.0";
    }
}
