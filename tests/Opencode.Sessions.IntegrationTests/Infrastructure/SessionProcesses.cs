using System.Globalization;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>TEMPORARY until ProcessAssertions lands from wt/lifecycle-it: live processes whose cwd is under a root.</summary>
internal static class SessionProcesses
{
    public static IReadOnlyList<(int Pid, string CommandLine)> Under(string root)
    {
        var prefix = root.TrimEnd('/');
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId || !ProcessTable.IsAlive(pid))
            {
                continue;
            }

            try
            {
                var cwd = new FileInfo($"/proc/{pid}/cwd").LinkTarget ?? "";
                if (cwd == prefix || cwd.StartsWith(prefix + "/", StringComparison.Ordinal))
                {
                    found.Add((pid, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ')));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
