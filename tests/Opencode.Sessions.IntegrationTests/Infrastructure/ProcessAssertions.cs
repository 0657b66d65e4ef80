namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// Finds the processes a test left behind: live (non-zombie) processes whose current directory is at or under a
/// test's private root, or whose command line mentions it. Everything a session starts (opencode, its tools, tail,
/// shells) runs in the task's work directory, so this catches survivors without knowing their pids in advance.
/// </summary>
internal static class ProcessAssertions
{
    /// <summary>Lists the live processes of this machine that run under <paramref name="root"/> or name it.</summary>
    /// <param name="root">An absolute directory private to one test.</param>
    public static IReadOnlyList<ProcessEntry> FindUnder(string root)
    {
        var prefix = root.TrimEnd('/');
        var self = Environment.ProcessId;
        var found = new List<ProcessEntry>();
        foreach (var pid in ProcessTable.AllPids())
        {
            if (pid == self || !ProcessTable.IsAlive(pid))
            {
                continue;
            }

            var cwd = ProcessTable.WorkingDirectory(pid);
            var commandLine = ProcessTable.CommandLine(pid);
            var under = cwd == prefix || cwd.StartsWith(prefix + "/", StringComparison.Ordinal) || cwd.StartsWith(prefix + " (deleted)", StringComparison.Ordinal);
            if ((under || commandLine.Contains(prefix, StringComparison.Ordinal)) && ProcessTable.ProcessGroupOf(pid) is { } group)
            {
                found.Add(new ProcessEntry(pid, group, cwd, commandLine.TrimEnd()));
            }
        }

        return found;
    }

    /// <summary>
    /// Fails the test when a process still runs under <paramref name="root"/> after <paramref name="grace"/>, naming
    /// each one, and kills the survivors (by pid, only those) so one failure does not leak into the next test.
    /// </summary>
    /// <param name="root">The test's private root.</param>
    /// <param name="grace">How long processes that are exiting get to disappear.</param>
    /// <param name="find">How to list the processes (default: <see cref="FindUnder"/> on this machine).</param>
    public static async Task NoProcessUnderAsync(string root, TimeSpan grace, Func<string, IReadOnlyList<ProcessEntry>>? find = null)
    {
        find ??= FindUnder;
        IReadOnlyList<ProcessEntry> survivors = [];
        await ProcessTable.WaitUntilAsync(() => (survivors = find(root)).Count == 0, grace, CancellationToken.None);
        if (survivors.Count == 0)
        {
            return;
        }

        foreach (var survivor in survivors)
        {
            ProcessTable.Kill(survivor.Pid);
        }

        Assert.Fail($"{survivors.Count} process(es) started by the test survived it:\n  {string.Join("\n  ", survivors)}");
    }
}
