using System.Text;

namespace Opencode.Sessions.Tests.Tasks;

[TestFixture]
public sealed class SessionWidgetTests
{
    [Test]
    public void CreateData_IframeSrcDecodesToWorkdirAndEndsWithSession()
    {
        var workdir = "/tmp/ocs tasks/ünï/p-1/workdir";

        var data = SessionWidget.CreateData(workdir, "ses_abc");

        Assert.That(data.IframeSrc, Does.StartWith("{widgetProxyUrl}"));
        Assert.That(data.IframeSrc, Does.EndWith("/session/ses_abc"));
        var segment = data.IframeSrc["{widgetProxyUrl}".Length..data.IframeSrc.IndexOf("/session/", StringComparison.Ordinal)];
        Assert.That(segment, Does.Not.Contain("=").And.Not.Contain("+").And.Not.Contain("/"));
        var padded = segment.Replace('-', '+').Replace('_', '/').PadRight((segment.Length + 3) / 4 * 4, '=');
        Assert.That(Encoding.UTF8.GetString(Convert.FromBase64String(padded)), Is.EqualTo(workdir));
        Assert.That(data.LocalStorageOverrides["opencode.settings.dat:defaultServerUrl"], Is.EqualTo("{widgetProxyUrl}"));
    }

    [Test]
    public void ToJson_HasTheOriginalShape()
    {
        var json = SessionWidget.CreateData("/w", "ses_1").ToJson().ToJsonString();
        Assert.That(json, Is.EqualTo("{\"iframeSrc\":\"{widgetProxyUrl}L3c/session/ses_1\",\"localStorageOverrides\":{\"opencode.settings.dat:defaultServerUrl\":\"{widgetProxyUrl}\"}}"));
    }
}
