using System.Text.Json.Nodes;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Testing;

/// <summary>One tool call the scripted model asks opencode to run.</summary>
/// <remarks>
/// opencode 1.18.33's default <c>build</c> agent offers the tools <c>bash</c>, <c>edit</c>, <c>glob</c>, <c>grep</c>,
/// <c>question</c>, <c>read</c>, <c>skill</c>, <c>task</c>, <c>todowrite</c>, <c>webfetch</c> and <c>write</c>.
/// Their argument names are opencode's (for example <c>filePath</c>, not <c>file_path</c>).
/// </remarks>
public sealed record ScriptedToolCall
{
    /// <summary>Initializes a new instance from a JSON object of arguments.</summary>
    /// <param name="name">The tool name, for example <c>bash</c>.</param>
    /// <param name="arguments">The arguments; serialised when the call is created, so later changes to the object are not seen.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="arguments"/> is null.</exception>
    public ScriptedToolCall(string name, JsonObject arguments)
        : this(name, (arguments ?? throw new ArgumentNullException(nameof(arguments))).ToJsonString())
    {
    }

    /// <summary>Initializes a new instance from raw argument text (which need not be valid JSON, to test error paths).</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="argumentsJson">The arguments exactly as streamed to opencode.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="argumentsJson"/> is null.</exception>
    public ScriptedToolCall(string name, string argumentsJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        Name = name;
        ArgumentsJson = argumentsJson;
    }

    /// <summary>Gets the tool name.</summary>
    public string Name { get; }

    /// <summary>Gets the arguments as streamed (a JSON object's text).</summary>
    public string ArgumentsJson { get; }

    /// <summary>Gets the call id sent to opencode; <see langword="null"/> = a unique <c>call_&lt;n&gt;</c> chosen by the server.</summary>
    public string? Id { get; init; }

    /// <summary>Creates a <c>bash</c> call. The command runs in the session's directory (the task's work directory).</summary>
    /// <param name="command">The shell command.</param>
    /// <param name="description">The short description opencode shows; <see langword="null"/> = the command itself.</param>
    /// <returns>The call.</returns>
    public static ScriptedToolCall Bash(string command, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new("bash", new JsonObject { ["command"] = command, ["description"] = description ?? command });
    }

    /// <summary>Creates a <c>write</c> call. opencode requires an absolute path, and a prior <c>read</c> to overwrite a file.</summary>
    /// <param name="filePath">Absolute path of the file.</param>
    /// <param name="content">The whole new content.</param>
    /// <returns>The call.</returns>
    public static ScriptedToolCall Write(string filePath, string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ArgumentNullException.ThrowIfNull(content);
        return new("write", new JsonObject { ["filePath"] = filePath, ["content"] = content });
    }

    /// <summary>Creates a <c>read</c> call.</summary>
    /// <param name="filePath">Absolute path of the file.</param>
    /// <returns>The call.</returns>
    public static ScriptedToolCall Read(string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return new("read", new JsonObject { ["filePath"] = filePath });
    }

    /// <summary>
    /// Creates a <c>bash</c> call that appends one line to the task's <c>optio.log</c> (in the session directory), as a
    /// protocol-following agent does: <c>STATUS: 10% reading</c>, <c>DELIVERABLE: ./deliverables/x.md</c>, <c>DONE</c>, <c>ERROR: …</c>.
    /// </summary>
    /// <param name="line">The line, without a newline (one is added).</param>
    /// <returns>The call.</returns>
    /// <exception cref="ArgumentException"><paramref name="line"/> contains a newline.</exception>
    public static ScriptedToolCall LogLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("A log line cannot contain a line break.", nameof(line));
        }

        return Bash("printf '%s\\n' " + ShellQuoting.Quote(line) + " >> optio.log", "log: " + line);
    }

    /// <summary>
    /// Creates a <c>bash</c> call that writes <c>deliverables/&lt;relativePath&gt;</c> in the session directory and
    /// then announces it with a <c>DELIVERABLE: ./deliverables/&lt;relativePath&gt;</c> line in <c>optio.log</c>.
    /// </summary>
    /// <param name="relativePath">Path below <c>deliverables/</c>, for example <c>report.md</c> or <c>sub/data.txt</c>.</param>
    /// <param name="content">The exact file content.</param>
    /// <returns>The call.</returns>
    /// <exception cref="ArgumentException">The path is empty, absolute, or contains a <c>..</c> segment or a line break.</exception>
    public static ScriptedToolCall WriteDeliverable(string relativePath, string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        ArgumentNullException.ThrowIfNull(content);
        if (relativePath.StartsWith('/') || relativePath.Split('/').Contains("..") || relativePath.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{relativePath}' must be a relative path below deliverables/ without '..' or line breaks.", nameof(relativePath));
        }

        var target = "deliverables/" + relativePath;
        var directory = target[..target.LastIndexOf('/')];
        var script = $"mkdir -p {ShellQuoting.Quote(directory)} && printf '%s' {ShellQuoting.Quote(content)} > {ShellQuoting.Quote(target)}" +
                     $" && printf '%s\\n' {ShellQuoting.Quote("DELIVERABLE: ./" + target)} >> optio.log";
        return Bash(script, "deliver " + relativePath);
    }
}
