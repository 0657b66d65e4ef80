namespace Opencode.Sessions.Hosting.Ssh;

public sealed partial record SshConfig
{
    /// <summary>ssh_config keywords that run a program or load code on this machine, or change which configuration applies.</summary>
    private static readonly HashSet<string> LocalCodeKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "ProxyCommand", "KnownHostsCommand", "LocalCommand", "Match", "Include", "RemoteCommand", "PKCS11Provider", "SecurityKeyProvider",
    };

    /// <summary>Lists the entries of <see cref="Options"/> that need <see cref="AllowUnsafeOptions"/>, each with the reason.</summary>
    /// <returns>The problems; empty when the opt-in is set or no entry is unsafe.</returns>
    private IEnumerable<(string Field, string Problem)> GetUnsafeOptionProblems()
    {
        if (AllowUnsafeOptions || Options is null)
        {
            yield break;
        }

        foreach (var (key, value) in Options)
        {
            var reason = UnsafeReason(key, value?.Trim() ?? "");
            if (reason is not null)
            {
                yield return (nameof(Options), $"entry '{key}' {reason}; set {nameof(SshConfig)}.{nameof(AllowUnsafeOptions)} = true only if the application itself means it");
            }
        }
    }

    private static string? UnsafeReason(string key, string value)
    {
        if (LocalCodeKeywords.Contains(key))
        {
            return "runs a command or loads code on this machine (or replaces the remote command)";
        }

        if (key.Equals("PermitLocalCommand", StringComparison.OrdinalIgnoreCase) && !value.Equals("no", StringComparison.OrdinalIgnoreCase))
        {
            return "lets LocalCommand run commands on this machine";
        }

        if (key.Equals("StrictHostKeyChecking", StringComparison.OrdinalIgnoreCase)
            && (value.Equals("no", StringComparison.OrdinalIgnoreCase) || value.Equals("off", StringComparison.OrdinalIgnoreCase)))
        {
            return $"switches off host-key checking (use {nameof(HostKeyPolicy)} = {nameof(SshHostKeyPolicy.Insecure)} for labs)";
        }

        if ((key.Equals("UserKnownHostsFile", StringComparison.OrdinalIgnoreCase) || key.Equals("GlobalKnownHostsFile", StringComparison.OrdinalIgnoreCase))
            && value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(f => f == "/dev/null"))
        {
            return "points host-key checking at /dev/null";
        }

        return null;
    }
}
