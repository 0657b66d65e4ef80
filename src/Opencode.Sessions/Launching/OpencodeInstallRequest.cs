namespace Opencode.Sessions.Launching;

/// <summary>What <see cref="OpencodeInstaller"/> should find or install.</summary>
internal sealed record OpencodeInstallRequest
{
    /// <summary>The opencode version this release is built and tested against.</summary>
    public const string DefaultVersion = "1.18.33";

    /// <summary>Gets the opencode version to look up in the cache and to install.</summary>
    public string Version { get; init; } = DefaultVersion;

    /// <summary>Gets a value indicating whether to install with npm when opencode is not found.</summary>
    public bool InstallIfMissing { get; init; } = true;

    /// <summary>Gets an explicit executable; when set, it must exist and nothing else is tried.</summary>
    public string? Executable { get; init; }

    /// <summary>Gets the cache root (<c>&lt;root&gt;/opencode-ai/&lt;version&gt;</c>); <see langword="null"/> = resolved on the host.</summary>
    public string? CacheRoot { get; init; }

    /// <summary>Gets a value indicating whether <c>opencode</c> on the host's PATH is used before the cache.</summary>
    public bool SearchPath { get; init; } = true;
}
