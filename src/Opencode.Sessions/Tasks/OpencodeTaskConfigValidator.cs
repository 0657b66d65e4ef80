using Opencode.Sessions.Launching;

namespace Opencode.Sessions;

/// <summary>Checks an <see cref="OpencodeTaskConfig"/> and reports every problem at once.</summary>
internal static partial class OpencodeTaskConfigValidator
{
    public static void Validate(OpencodeTaskConfig config)
    {
        var errors = new List<(string Field, string Problem)>();
        if (config.ConsumerInstructions is null)
        {
            errors.Add((nameof(config.ConsumerInstructions), "must not be null (use an empty string)"));
        }

        if (config.Model is not null && !OpencodeSettingPatterns.Model().IsMatch(config.Model))
        {
            errors.Add((nameof(config.Model), $"must look like 'provider/model', got '{config.Model}'"));
        }

        if (string.IsNullOrWhiteSpace(config.OpencodeVersion) || !OpencodeSettingPatterns.Version().IsMatch(config.OpencodeVersion))
        {
            errors.Add((nameof(config.OpencodeVersion), $"must be an exact version such as 1.18.33, got '{config.OpencodeVersion}'"));
        }

        if (config.OpencodeExecutable is { } exe && (exe.Length == 0 || !exe.StartsWith('/')))
        {
            errors.Add((nameof(config.OpencodeExecutable), $"must be an absolute path, got '{exe}'"));
        }

        if (config.OpencodeInstallDir is { } dir && (dir.Length == 0 || !dir.StartsWith('/')))
        {
            errors.Add((nameof(config.OpencodeInstallDir), $"must be an absolute path, got '{dir}'"));
        }

        if (config.TaskRoot is { } root && (root.Length == 0 || !Path.IsPathFullyQualified(root)))
        {
            errors.Add((nameof(config.TaskRoot), $"must be an absolute path, got '{root}'"));
        }

        if (config.WorkdirExclude is { } exclude && exclude.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add((nameof(config.WorkdirExclude), "must not contain empty patterns"));
        }

        if (config.ReadyTimeout <= TimeSpan.Zero)
        {
            errors.Add((nameof(config.ReadyTimeout), "must be positive"));
        }

        if (config.ShutdownGracePeriod < TimeSpan.Zero)
        {
            errors.Add((nameof(config.ShutdownGracePeriod), "must not be negative"));
        }

        if (config.SnapshotRetention < 1)
        {
            errors.Add((nameof(config.SnapshotRetention), $"must be at least 1, got {config.SnapshotRetention}"));
        }

        if (config.EncryptWorkdirBlob == true && config.SessionBlobCipher is null)
        {
            errors.Add((nameof(config.EncryptWorkdirBlob), $"requires {nameof(config.SessionBlobCipher)} to be set"));
        }

        if (config.WorkdirRestoreLimits is null)
        {
            errors.Add((nameof(config.WorkdirRestoreLimits), "must not be null (use WorkdirRestoreLimits.Default)"));
        }
        else
        {
            foreach (var (field, problem) in config.WorkdirRestoreLimits.GetProblems())
            {
                errors.Add(($"{nameof(config.WorkdirRestoreLimits)}.{field}", problem));
            }
        }

        if (!config.SupportsResume && (config.SnapshotStore is not null || config.SessionBlobCipher is not null))
        {
            errors.Add((nameof(config.SupportsResume), $"is false, so {nameof(config.SnapshotStore)} and {nameof(config.SessionBlobCipher)} would never be used; remove them or enable resume"));
        }

        if (config.Ssh is { } ssh)
        {
            foreach (var (field, problem) in ssh.GetProblems())
            {
                errors.Add(($"{nameof(config.Ssh)}.{field}", problem));
            }

            if (config.TaskRoot is not null && config.HostFactory is null)
            {
                errors.Add((nameof(config.TaskRoot), $"is the local task root and would be ignored on the SSH host; set {nameof(config.Ssh)}.{nameof(ssh.RemoteTaskRoot)} instead"));
            }
        }

        if (config.Environment is { } env)
        {
            // Names must survive a POSIX shell on remote hosts (and are exported by one locally as well).
            foreach (var key in env.Keys.Where(k => !OpencodeSettingPatterns.EnvironmentName().IsMatch(k)))
            {
                errors.Add((nameof(config.Environment), $"has an invalid variable name '{key}'"));
            }

            // The library's own entries: overriding the task marker would silently disable the leftover-process sweep,
            // the credentials and database are the launch script's, HOME/XDG_* are the isolated home's.
            var reserved = OpencodeEnvironment.ReservedNames(config.IsolateHome);
            foreach (var key in env.Keys.Where(k => reserved.Contains(k, StringComparer.Ordinal) || k.StartsWith(OpencodeEnvironment.LibraryPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var why = OpencodeEnvironment.HomeNames.Contains(key, StringComparer.Ordinal)
                    ? $"the library points it at the isolated home (set {nameof(config.IsolateHome)} = false to use your own)"
                    : "the library sets it itself";
                errors.Add((nameof(config.Environment), $"must not set or unset '{key}': {why}"));
            }
        }

        if (config.TimeProvider is null)
        {
            errors.Add((nameof(config.TimeProvider), "must not be null"));
        }

        if (errors.Count == 1)
        {
            throw new ArgumentException($"OpencodeTaskConfig.{errors[0].Field} {errors[0].Problem}.", errors[0].Field);
        }

        if (errors.Count > 1)
        {
            var lines = string.Join(Environment.NewLine, errors.Select(e => $"- OpencodeTaskConfig.{e.Field} {e.Problem}."));
            throw new ArgumentException($"The task configuration has {errors.Count} problems:{Environment.NewLine}{lines}", errors[0].Field);
        }
    }
}
