using System.Text.Json.Nodes;

namespace Opencode.Sessions;

/// <summary>
/// Data the job runner's UI needs to show the live opencode web UI in an iframe.
/// </summary>
/// <param name="IframeSrc">
/// The iframe source. It starts with the literal placeholder <c>{widgetProxyUrl}</c>, which the UI replaces with the
/// URL of its proxy to the widget upstream at mount time.
/// </param>
/// <param name="LocalStorageOverrides">localStorage entries the UI sets in the iframe's origin before loading it.</param>
public sealed record WidgetData(string IframeSrc, IReadOnlyDictionary<string, string> LocalStorageOverrides)
{
    /// <summary>The placeholder the UI substitutes with its proxy URL.</summary>
    public const string ProxyUrlPlaceholder = "{widgetProxyUrl}";

    /// <summary>Renders the data as the JSON object the original system stored (<c>iframeSrc</c>, <c>localStorageOverrides</c>).</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJson()
    {
        var overrides = new JsonObject();
        foreach (var (key, value) in LocalStorageOverrides)
        {
            overrides[key] = value;
        }

        return new JsonObject { ["iframeSrc"] = IframeSrc, ["localStorageOverrides"] = overrides };
    }
}
