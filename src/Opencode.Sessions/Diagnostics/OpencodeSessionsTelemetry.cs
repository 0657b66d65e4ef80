namespace Opencode.Sessions.Diagnostics;

/// <summary>
/// The names under which the library emits traces and metrics through <c>System.Diagnostics</c>, for OpenTelemetry's
/// <c>AddSource</c> and <c>AddMeter</c> (or an <c>ActivityListener</c> / <c>MeterListener</c> of your own):
/// <c>builder.Services.AddOpenTelemetry().WithTracing(t =&gt; t.AddSource(OpencodeSessionsTelemetry.ActivitySourceName))</c>.
/// Both the activity source and the meter carry the package version. Durations are in seconds.
/// </summary>
/// <remarks>
/// <para>Activities on <see cref="ActivitySourceName"/>:</para>
/// <list type="bullet">
/// <item><description><c>opencode.session</c>: one session execution (<c>TaskInstance.ExecuteAsync</c>); tag
/// <c>opencode.sessions.process_id</c>; status Error (described by the exception's type) when it fails.</description></item>
/// <item><description><c>opencode.request</c> (kind Client): one HTTP request of <c>OpencodeClient</c>; tags
/// <c>http.request.method</c>, <c>url.path</c>, <c>http.response.status_code</c>.</description></item>
/// <item><description><c>opencode.turn</c>: one conversation turn; events such as <c>session.created</c>,
/// <c>response.started</c>, <c>stream.completed</c> (<c>duration_s</c>, <c>first_token_s</c>, <c>event_count</c>,
/// <c>tool_count</c>), <c>stream.interrupted</c> and <c>turn.finished</c> (<c>status</c>); tags
/// <c>opencode.turn.error</c> on failure.</description></item>
/// <item><description><c>opencode.conversation.ensure</c> and <c>opencode.conversation.recreate</c>: finding or
/// (re)creating the opencode session behind a conversation.</description></item>
/// </list>
/// <para>Instruments on <see cref="MeterName"/>:</para>
/// <list type="bullet">
/// <item><description><c>opencode.sessions.session.duration</c>: histogram, <c>s</c>, session executions by
/// <c>outcome</c> (done, failed, cancelled).</description></item>
/// <item><description><c>opencode.sessions.session.active</c>: up-down counter, <c>{session}</c>, executions
/// running now.</description></item>
/// <item><description><c>opencode.sessions.turn.count</c>: counter, <c>{turn}</c>, conversation turns by
/// <c>opencode.turn.status</c>.</description></item>
/// <item><description><c>opencode.sessions.turn.duration</c>: histogram, <c>s</c>, conversation turns by
/// <c>opencode.turn.status</c>.</description></item>
/// <item><description><c>opencode.sessions.client.request.duration</c>: histogram, <c>s</c>, HTTP requests to the
/// opencode server by <c>http.request.method</c> and <c>http.response.status_code</c>.</description></item>
/// </list>
/// </remarks>
public static class OpencodeSessionsTelemetry
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>: <c>"Opencode.Sessions"</c>.</summary>
    public const string ActivitySourceName = "Opencode.Sessions";

    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>"Opencode.Sessions"</c>.</summary>
    public const string MeterName = "Opencode.Sessions";
}
