using System.Globalization;
using System.Diagnostics;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// Reads the Linux process table from /proc. Zombies count as gone: this machine's init may never reap them, and a
/// zombie runs nothing.
/// </summary>
internal static class ProcessTable
{
    /// <summary>Live (non-zombie) processes whose command line contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<int> WithCommandLine(string fragment) =>
        AllPids().Where(pid => IsAlive(pid) && CommandLine(pid).Contains(fragment, StringComparison.Ordinal)).ToList();

    /// <summary>Live (non-zombie) members of process group <paramref name="groupId"/>.</summary>
    public static IReadOnlyList<int> GroupMembers(int groupId) =>
        AllPids().Where(pid => Stat(pid) is { } s && s.State != 'Z' && s.ProcessGroup == groupId).ToList();

    /// <summary>Whether the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } s && s.State is not ('Z' or 'X');

    /// <summary>Direct children of <paramref name="pid"/> (live ones).</summary>
    public static IReadOnlyList<int> Children(int pid) =>
        AllPids().Where(p => Stat(p) is { } s && s.State != 'Z' && s.Parent == pid).ToList();

    /// <summary>All live descendants of <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var result = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.Count > 0)
        {
            foreach (var child in Children(queue.Dequeue()))
            {
                result.Add(child);
                queue.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>Sends SIGKILL to one process (only processes the tests started, by pid).</summary>
    public static void Kill(int pid)
    {
        if (pid <= 1)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// How long a process change (a kill, an exit, a spawn over SSH) may take to show: a hang bound. The wait returns as
    /// soon as the condition holds, so the margin costs nothing when things work; 5–10 s did not hold at load 8–15.
    /// </summary>
    public static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Waits until <paramref name="condition"/> holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken);
        }

        return true;
    }

    /// <summary>The command line of <paramref name="pid"/> with NULs as spaces ("" when unreadable or gone).</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Live (non-zombie) processes whose environment holds exactly <paramref name="entry"/> (<c>NAME=value</c>).</summary>
    public static IReadOnlyList<int> WithEnvironmentEntry(string entry) =>
        AllPids().Where(pid => IsAlive(pid) && Environment(pid).Contains(entry)).ToList();

    /// <summary>The environment entries of <paramref name="pid"/> (empty when unreadable or gone).</summary>
    public static IReadOnlyList<string> Environment(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The current directory of <paramref name="pid"/> (ending " (deleted)" when it was removed), or "" when unreadable.</summary>
    public static string WorkingDirectory(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/cwd").LinkTarget ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The process group of <paramref name="pid"/>, or null when it is gone.</summary>
    public static int? ProcessGroupOf(int pid) => Stat(pid)?.ProcessGroup;

    /// <summary>Every pid in /proc (live or not).</summary>
    public static IEnumerable<int> AllPids() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0);

    private static (char State, int Parent, int ProcessGroup)? Stat(int pid)
    {
        try
        {
            // Format: pid (comm) state ppid pgrp ... — comm may hold spaces and parentheses, so split after the last ')'.
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
