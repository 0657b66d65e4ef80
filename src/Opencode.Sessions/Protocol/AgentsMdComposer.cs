using System.Text;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Composes the work directory's <c>AGENTS.md</c>: the coordination protocol (log channel, deliverables, resumes)
/// followed by the consumer's task.
/// </summary>
/// <remarks>
/// Internal on purpose: the text is a contract between this library's own parts (the log parser, the deliverable
/// fetcher, the snapshot archiver), not between the library and its users, who only supply
/// <see cref="OpencodeTaskConfig.ConsumerInstructions"/>. Keeping it internal lets the wording improve without a
/// breaking change. Sections, in order: title, <c>## Log channel</c>, <c>## Deliverables</c>, <c>## Resumes</c>
/// (only when resume is supported), <c>## Task</c>, then the instructions.
/// </remarks>
internal static class AgentsMdComposer
{
    /// <summary>The file name, in the work directory.</summary>
    public const string FileName = "AGENTS.md";

    /// <summary>The log channel, relative to the work directory.</summary>
    public const string LogChannel = "./optio.log";

    /// <summary>The deliverables folder, relative to the work directory.</summary>
    public const string DeliverablesFolder = "./deliverables/";

    /// <summary>The resume log, relative to the work directory.</summary>
    public const string ResumeLog = "./resume.log";

    private const string Protocol = """
        # Coordination protocol with the host (Opencode.Sessions)

        You are running inside a coordination harness, Opencode.Sessions, that started this session and watches it on behalf of a host application. Follow the conventions below for the whole session.

        No web browser can be opened here: commands that try to open one silently do nothing.

        ## Log channel

        Report to the host by appending lines to the file `./optio.log` in this directory (your working directory). Write one entry per line; each line starts with one of these keywords:

        - `STATUS:` progress for the human who follows the session, optionally starting with a percentage.
          Example: `STATUS: 50% counting my fingers`
        - `DELIVERABLE:` the path (absolute, or relative to this directory) of a file you have just finished.
          Example: `DELIVERABLE: ./deliverables/summary.md`
        - `DONE` the task is finished; an optional summary may follow after a colon.
          Example: `DONE: wrote the report`
        - `ERROR` you cannot continue; an optional message may follow after a colon.
          Example: `ERROR: provider auth failed`

        **Every entry must end with a newline character.** The host only reads complete lines: an entry written without its trailing newline (for example with `printf 'DONE'`) stays buffered and is never seen. Append with `echo`, for example `echo 'STATUS: 10% reading the sources' >> ./optio.log`, or with an appended heredoc (`cat >> ./optio.log <<'EOF'` … `EOF`). To check, `tail -c 1 ./optio.log` must print a newline and nothing else.

        After a `DONE` or `ERROR` line the session ends: write nothing more to `./optio.log`.

        ## Deliverables

        Put every file meant for the host under `./deliverables/` (subfolders are fine). Write the `DELIVERABLE:` line only after the file exists with its final content: the host fetches each file when it reads that line, and only because of it.
        """;

    private const string ResumeIntro = """
        ## Resumes

        The harness may pause this session at any moment: it saves the conversation to a database, stops opencode and later brings the session back to life, possibly on another machine. To you the conversation looks continuous, but the environment may have changed: processes you started are gone, and so are files outside this directory.

        This working directory is kept across resumes, with two caveats:
        """;

    private const string ResumeDetection = """
        ### Detecting a resume: `resume.log`

        Every start of this session, the first one and each resume, appends an ISO 8601 timestamp line to `./resume.log`. The first line is the original launch; every later line is a resume. At the start of every new user message, read `./resume.log` first and compare its last line with the one you remember. If it is new, you have been resumed: check the tools, processes and files outside this directory that you rely on, re-create whatever is gone, then continue. If a tool call fails unexpectedly, re-check `./resume.log` too: a failing tool is often the first sign of a resume.
        """;

    private const string TaskFraming = """
        ## Task

        The real task follows. While you work, narrate your progress both in this conversation and with `STATUS:` lines in `./optio.log`. You may ask questions and dialogue with the human, who works with you on the same goal. So:
        """;

    /// <summary>Composes AGENTS.md.</summary>
    /// <param name="consumerInstructions">The task; trailing whitespace is trimmed and exactly one newline added.</param>
    /// <param name="supportsResume">Whether the resume section is included.</param>
    /// <param name="workdirExclude">
    /// The configured snapshot exclude list (<see langword="null"/> = <see cref="WorkdirExclusions.Defaults"/>, empty =
    /// nothing excluded). Required so the prompt can never disagree with what the archiver really keeps.
    /// </param>
    /// <returns>The file content, ending with exactly one <c>\n</c>.</returns>
    public static string Compose(string consumerInstructions, bool supportsResume, IReadOnlyList<string>? workdirExclude)
    {
        ArgumentNullException.ThrowIfNull(consumerInstructions);
        var sections = new List<string> { Protocol };
        if (supportsResume)
        {
            sections.Add(ResumeSection(WorkdirExclusions.Effective(workdirExclude)));
        }

        sections.Add(TaskFraming);
        var text = string.Join("\n\n", sections);
        var instructions = consumerInstructions.TrimEnd();
        return instructions.Length > 0 ? text + "\n\n" + instructions + "\n" : text + "\n";
    }

    /// <summary>Composes AGENTS.md (see <see cref="Compose"/>) and writes it to <c>&lt;workdir&gt;/AGENTS.md</c>.</summary>
    /// <param name="host">The host.</param>
    /// <param name="consumerInstructions">The consumer's task instructions.</param>
    /// <param name="supportsResume">Whether the resume section is included.</param>
    /// <param name="workdirExclude">The configured snapshot exclude list (<see langword="null"/> = defaults).</param>
    /// <param name="cancellationToken">A token to cancel the write.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    public static async Task WriteAsync(IHost host, string consumerInstructions, bool supportsResume, IReadOnlyList<string>? workdirExclude, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var content = Compose(consumerInstructions, supportsResume, workdirExclude);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content), writable: false);
        await host.WriteFileAsync(HostPath.Combine(host.WorkDirectory, FileName), stream, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken)
            .ConfigureAwait(false);
    }

    private static string ResumeSection(IReadOnlyList<string> exclude)
    {
        var keptCaveat = exclude.Count > 0
            ? "- Paths matching the snapshot exclude list are **not** kept, even inside this directory: " + string.Join(", ", exclude.Select(Code)) + "."
            : "- **No paths are excluded**: everything inside this directory is kept.";
        const string lostCaveat = "- Anything outside this directory is lost, including your home directory and `/tmp/`.";
        var stash = exclude.Count > 0
            ? "To stash large data you can re-create (downloads, caches, build output) without it being saved with the " +
              "session, use a location outside this directory (for example `/tmp/`) or a path inside an excluded subdirectory; " +
              "either may be gone after a resume."
            : "To stash large data you can re-create (downloads, caches, build output) without it being saved with the " +
              "session, use a location outside this directory (for example `/tmp/`); it may be gone after a resume.";
        return ResumeIntro + "\n\n" + keptCaveat + "\n" + lostCaveat + "\n\n" + stash + "\n\n" + ResumeDetection;
    }

    /// <summary>Renders a pattern as inline code (double backticks when it contains a backtick itself).</summary>
    private static string Code(string pattern) =>
        pattern.Contains('`', StringComparison.Ordinal) ? "`` " + pattern + " ``" : "`" + pattern + "`";
}
