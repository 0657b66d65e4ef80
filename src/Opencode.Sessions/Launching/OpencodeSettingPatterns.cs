using System.Text.RegularExpressions;

namespace Opencode.Sessions.Launching;

/// <summary>The shapes opencode settings must have; shared by the task and the server option validators.</summary>
internal static partial class OpencodeSettingPatterns
{
    /// <summary>A POSIX environment variable name.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex EnvironmentName();

    /// <summary>A model id: <c>provider/model</c>.</summary>
    [GeneratedRegex("^[^/\\s]+/\\S+$")]
    internal static partial Regex Model();

    /// <summary>A semantic version (opencode releases).</summary>
    [GeneratedRegex("^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$")]
    internal static partial Regex Version();
}
