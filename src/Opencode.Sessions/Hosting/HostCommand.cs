namespace Opencode.Sessions.Hosting;

/// <summary>
/// A command to run on a host, as an argument vector (no shell parsing unless the program is a shell). Remote hosts
/// quote every argument, so paths with spaces, quotes, <c>$</c> or newlines are passed through unchanged.
/// </summary>
/// <param name="FileName">The program (absolute path or a name found on the host's PATH).</param>
/// <param name="Arguments">The arguments.</param>
public sealed record HostCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Gets the working directory; <see langword="null"/> = the host's work directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Gets environment variables added to (or, with a <see langword="null"/> value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Gets bytes written to the command's standard input (closed after), or <see langword="null"/> for none.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>Creates a command that runs <paramref name="script"/> with <c>/bin/sh -c</c>; extra arguments become <c>$1</c>, <c>$2</c>, …</summary>
    /// <param name="script">The shell script. Pass untrusted values as <paramref name="arguments"/>, never inline.</param>
    /// <param name="arguments">Positional parameters for the script.</param>
    /// <returns>The command.</returns>
    public static HostCommand Shell(string script, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(arguments);
        var argv = new List<string>(arguments.Length + 3) { "-c", script, "sh" };
        argv.AddRange(arguments);
        return new HostCommand("/bin/sh", argv);
    }

    /// <summary>Returns the command line for messages, each argument quoted like a POSIX shell would need.</summary>
    /// <returns>A printable command line.</returns>
    public override string ToString() =>
        string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Posix.ShellQuoting.Quote));
}
