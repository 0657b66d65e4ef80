using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Opencode.Sessions.Launching;

/// <summary>
/// How <see cref="OpencodeServer.StartAsync"/> starts <c>opencode serve</c> on this machine. Immutable; checked at start,
/// where every problem is reported at once in an <see cref="ArgumentException"/> naming its field.
/// </summary>
/// <example>
/// <code>
/// await using var server = await OpencodeServer.StartAsync(new OpencodeServerOptions
/// {
///     WorkingDirectory = "/srv/work/conversation-42",
///     OpencodeConfig = JsonNode.Parse("""{ "model": "anthropic/claude-sonnet-4-5" }""")!.AsObject(),
///     Environment = new Dictionary&lt;string, string?&gt; { ["ANTHROPIC_API_KEY"] = apiKey },
/// });
/// var session = await server.Client.CreateSessionAsync();
/// </code>
/// </example>
public sealed record OpencodeServerOptions
{
    /// <summary>
    /// Gets the directory opencode works in (its project): it must exist. The <see cref="OpencodeServer.Client"/> is
    /// scoped to it. A relative path is resolved against the current directory.
    /// </summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>
    /// Gets the opencode version to use: looked up in (and installed into) the per-user cache, and checked against
    /// the version the started server reports. Default <see cref="OpencodeTaskConfig.DefaultOpencodeVersion"/>.
    /// </summary>
    public string OpencodeVersion { get; init; } = OpencodeInstallRequest.DefaultVersion;

    /// <summary>
    /// Gets an opencode executable to use instead of the install cache (an absolute path), or <see langword="null"/>.
    /// Its version must still be <see cref="OpencodeVersion"/>: the server's reported version is checked.
    /// </summary>
    public string? OpencodeExecutable { get; init; }

    /// <summary>Gets the directory opencode is installed into and looked up in; <see langword="null"/> = the per-user cache.</summary>
    public string? OpencodeInstallDir { get; init; }

    /// <summary>Gets a value indicating whether opencode is installed with npm when it is not cached. Default <see langword="true"/>.</summary>
    public bool InstallIfMissing { get; init; } = true;

    /// <summary>
    /// Gets the opencode configuration, the same shape as <see cref="OpencodeTaskConfig.OpencodeConfig"/>
    /// (<see langword="null"/> = <c>{}</c>). It is written to a private file (0600: it may hold provider keys) that
    /// opencode loads through <c>OPENCODE_CONFIG</c>, so the working directory is left alone; like opencode's global
    /// configuration, an <c>opencode.json</c> of the project can override its keys. Copied at start.
    /// </summary>
    public JsonObject? OpencodeConfig { get; init; }

    /// <summary>Gets the model as <c>provider/model</c>; written as the configuration's <c>model</c> unless it already has one.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Gets extra environment variables for opencode (<see langword="null"/> value = unset). They reach the agent and
    /// every command it runs. The library's own entries are refused: <c>OPENCODE_SERVER_PASSWORD</c>,
    /// <c>OPENCODE_SERVER_USERNAME</c>, <c>OPENCODE_DB</c>, <c>OPENCODE_CONFIG</c>, <c>BROWSER</c>, HOME, XDG_* and any
    /// <c>OPENCODE_SESSIONS_*</c>. They win over <see cref="Offline"/>'s values.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// Gets a value indicating whether opencode inherits the whole environment of this process. Default
    /// <see langword="false"/>: it starts from an allow-list (PATH, LANG, LANGUAGE, LC_*, TERM, TZ, TMPDIR, USER,
    /// LOGNAME, SHELL) plus <see cref="Environment"/>, exactly as a task's opencode does (see
    /// <see cref="OpencodeTaskConfig.InheritEnvironment"/>).
    /// </summary>
    public bool InheritEnvironment { get; init; }

    /// <summary>
    /// Gets a value indicating whether opencode stays off the network on its own account: no model catalogue fetch
    /// (<c>OPENCODE_DISABLE_MODELS_FETCH</c>), no sharing (<c>OPENCODE_DISABLE_SHARE</c>), no language-server downloads
    /// (<c>OPENCODE_DISABLE_LSP_DOWNLOAD</c>). Automatic updates are always off. The model provider is still called.
    /// Default <see langword="false"/>.
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>
    /// Gets the private directory for opencode's state, or <see langword="null"/> (the default) for a fresh temporary
    /// directory (0700) that is deleted on dispose. Its <c>opencode/</c> subdirectory (0700) holds the database
    /// (<c>opencode.db</c>), the isolated HOME/XDG tree (<c>home/</c>) and scratch files (<c>run/</c>: the password
    /// file, browser stubs). A directory given here is kept on dispose (only <c>run/</c> is removed), so sessions
    /// survive a restart; one server at a time may use it. An absolute path; created (0700) when missing.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// Gets how long opencode may take to print its listening URL and answer its health check. Default 120 s, as
    /// <see cref="OpencodeTaskConfig.ReadyTimeout"/>: a bound that catches a hung start on a loaded machine.
    /// </summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets the time between SIGTERM and SIGKILL when the server is disposed. Default 5 s.</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the logger factory; <see langword="null"/> = no logging. opencode's own output is logged at Debug level.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Gets a receiver of human-readable progress messages (install, launch); <see langword="null"/> = none.</summary>
    public Action<string>? Progress { get; init; }
}
