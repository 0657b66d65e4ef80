namespace Opencode.Sessions.Launching;

/// <summary>Checks an <see cref="OpencodeServerOptions"/> and reports every problem at once.</summary>
internal static class OpencodeServerOptionsValidator
{
    /// <summary>The variable opencode reads an extra configuration file from; the server sets it itself.</summary>
    public const string ConfigVariable = "OPENCODE_CONFIG";

    /// <summary>Returns the names <see cref="OpencodeServerOptions.Environment"/> may not set or unset (exact matches; the library prefix is checked apart).</summary>
    public static IReadOnlyList<string> ReservedNames { get; } = [.. OpencodeEnvironment.ReservedNames(isolateHome: true), ConfigVariable];

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentException">At least one field is invalid.</exception>
    public static void Validate(OpencodeServerOptions options)
    {
        var errors = new List<(string Field, string Problem)>();
        if (string.IsNullOrWhiteSpace(options.WorkingDirectory))
        {
            errors.Add((nameof(options.WorkingDirectory), "must be set"));
        }
        else if (!Directory.Exists(options.WorkingDirectory))
        {
            errors.Add((nameof(options.WorkingDirectory), $"must be an existing directory, got '{options.WorkingDirectory}'"));
        }

        if (string.IsNullOrWhiteSpace(options.OpencodeVersion) || !OpencodeSettingPatterns.Version().IsMatch(options.OpencodeVersion))
        {
            errors.Add((nameof(options.OpencodeVersion), $"must be an exact version such as 1.18.33, got '{options.OpencodeVersion}'"));
        }

        RequireAbsolute(errors, nameof(options.OpencodeExecutable), options.OpencodeExecutable);
        RequireAbsolute(errors, nameof(options.OpencodeInstallDir), options.OpencodeInstallDir);
        RequireAbsolute(errors, nameof(options.StateDirectory), options.StateDirectory);
        if (options.Model is not null && !OpencodeSettingPatterns.Model().IsMatch(options.Model))
        {
            errors.Add((nameof(options.Model), $"must look like 'provider/model', got '{options.Model}'"));
        }

        if (options.Environment is { } env)
        {
            foreach (var key in env.Keys.Where(k => !OpencodeSettingPatterns.EnvironmentName().IsMatch(k)))
            {
                errors.Add((nameof(options.Environment), $"has an invalid variable name '{key}'"));
            }

            foreach (var key in env.Keys.Where(IsReserved).Order(StringComparer.Ordinal))
            {
                errors.Add((nameof(options.Environment), $"must not set or unset '{key}': the server sets it itself"));
            }
        }

        if (options.ReadyTimeout <= TimeSpan.Zero)
        {
            errors.Add((nameof(options.ReadyTimeout), "must be positive"));
        }

        if (options.ShutdownGracePeriod < TimeSpan.Zero)
        {
            errors.Add((nameof(options.ShutdownGracePeriod), "must not be negative"));
        }

        if (errors.Count == 1)
        {
            throw new ArgumentException($"OpencodeServerOptions.{errors[0].Field} {errors[0].Problem}.", errors[0].Field);
        }

        if (errors.Count > 1)
        {
            var lines = string.Join(System.Environment.NewLine, errors.Select(e => $"- OpencodeServerOptions.{e.Field} {e.Problem}."));
            throw new ArgumentException($"The server options have {errors.Count} problems:{System.Environment.NewLine}{lines}", errors[0].Field);
        }
    }

    private static bool IsReserved(string name) =>
        ReservedNames.Contains(name, StringComparer.Ordinal) || name.StartsWith(OpencodeEnvironment.LibraryPrefix, StringComparison.Ordinal);

    private static void RequireAbsolute(List<(string Field, string Problem)> errors, string field, string? path)
    {
        if (path is not null && (path.Length == 0 || !Path.IsPathFullyQualified(path)))
        {
            errors.Add((field, $"must be an absolute path, got '{path}'"));
        }
    }
}
