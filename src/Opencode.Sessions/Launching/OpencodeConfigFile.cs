using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Workdir;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Launching;

/// <summary>Renders and writes the work directory's <c>opencode.json</c>.</summary>
internal static class OpencodeConfigFile
{
    /// <summary>The file name, in the work directory.</summary>
    public const string FileName = WorkdirExclusions.OpencodeConfigFileName;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Renders the configuration as 2-space indented JSON with a trailing newline. <paramref name="model"/> becomes
    /// the <c>model</c> key unless the configuration already has one. The input is never modified.
    /// </summary>
    /// <param name="opencodeConfig">The configuration (<see langword="null"/> = <c>{}</c>).</param>
    /// <param name="model">The model as <c>provider/model</c>, or <see langword="null"/>.</param>
    /// <returns>The file content.</returns>
    public static string Render(JsonObject? opencodeConfig, string? model)
    {
        var root = opencodeConfig is null ? new JsonObject() : (JsonObject)opencodeConfig.DeepClone();
        if (model is not null && !root.ContainsKey("model"))
        {
            root["model"] = model;
        }

        return root.ToJsonString(Options) + "\n";
    }

    /// <summary>Writes <c>&lt;workdir&gt;/opencode.json</c> (mode 0600: it may hold provider API keys).</summary>
    /// <param name="host">The host.</param>
    /// <param name="opencodeConfig">The configuration (<see langword="null"/> = <c>{}</c>).</param>
    /// <param name="model">The model as <c>provider/model</c>, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the write.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    public static async Task WriteAsync(IHost host, JsonObject? opencodeConfig, string? model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(Render(opencodeConfig, model)), writable: false);
        await host.WriteFileAsync(HostPath.Combine(host.WorkDirectory, FileName), content, UnixFileMode.UserRead | UnixFileMode.UserWrite, cancellationToken)
            .ConfigureAwait(false);
    }
}
