using System.Text;
using System.Buffers.Text;

namespace Opencode.Sessions;

/// <summary>Builds the widget registration for a live opencode session.</summary>
internal static class SessionWidget
{
    /// <summary>localStorage key opencode's web UI reads its default server from.</summary>
    public const string DefaultServerUrlKey = "opencode.settings.dat:defaultServerUrl";

    /// <summary>opencode's directory route segment: URL-safe base64 of the UTF-8 path, padding removed.</summary>
    public static string EncodeDirectory(string directory) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(directory));

    public static WidgetData CreateData(string workDirectory, string sessionId) =>
        new(
            $"{WidgetData.ProxyUrlPlaceholder}{EncodeDirectory(workDirectory)}/session/{sessionId}",
            new Dictionary<string, string> { [DefaultServerUrlKey] = WidgetData.ProxyUrlPlaceholder });
}
