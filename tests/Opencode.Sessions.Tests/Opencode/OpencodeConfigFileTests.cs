using System.Text;
using System.Text.Json.Nodes;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeConfigFileTests
{
    [Test]
    public void Render_NullConfigNoModel_EmptyObject()
    {
        Assert.That(OpencodeConfigFile.Render(null, null), Is.EqualTo("{}\n"));
    }

    [Test]
    public void Render_NullConfigWithModel_HasModel()
    {
        Assert.That(OpencodeConfigFile.Render(null, "fake/fake-model"), Is.EqualTo("{\n  \"model\": \"fake/fake-model\"\n}\n"));
    }

    [Test]
    public void Render_ConfigHasModel_KeepsConfiguredModel()
    {
        var config = new JsonObject { ["model"] = "a/b" };

        var json = JsonNode.Parse(OpencodeConfigFile.Render(config, "c/d"))!;

        Assert.That((string?)json["model"], Is.EqualTo("a/b"));
    }

    [Test]
    public void Render_NestedConfig_TwoSpaceIndentAndInputUnchanged()
    {
        var config = new JsonObject
        {
            ["autoupdate"] = false,
            ["provider"] = new JsonObject { ["fake"] = new JsonObject { ["options"] = new JsonObject { ["baseURL"] = "http://127.0.0.1:1/v1" } } },
        };

        var text = OpencodeConfigFile.Render(config, "fake/m");

        Assert.That(text, Does.Contain("\n  \"autoupdate\": false,\n"));
        Assert.That(text, Does.Contain("\n      \"options\": {\n        \"baseURL\": \"http://127.0.0.1:1/v1\"\n"));
        Assert.That(text, Does.EndWith("}\n"));
        Assert.That(config.ContainsKey("model"), Is.False, "the caller's object must not be modified");
        Assert.That(JsonNode.Parse(text)!["model"]!.GetValue<string>(), Is.EqualTo("fake/m"));
    }

    [Test]
    public void Render_NonAscii_KeptReadable()
    {
        var text = OpencodeConfigFile.Render(new JsonObject { ["name"] = "Zoë <ok> & +" }, null);

        Assert.That(text, Does.Contain("Zoë <ok> & +"));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task WriteAsync_Always_WritesOpencodeJsonInWorkdirWithMode0600(CancellationToken cancellationToken)
    {
        // Arrange
        var host = new Mock<IHost>();
        host.SetupGet(h => h.WorkDirectory).Returns("/t/workdir");
        string? written = null;
        host.Setup(h => h.WriteFileAsync("/t/workdir/opencode.json", It.IsAny<Stream>(), UnixFileMode.UserRead | UnixFileMode.UserWrite, It.IsAny<CancellationToken>()))
            .Callback<string, Stream, UnixFileMode?, CancellationToken>((_, s, _, _) => written = new StreamReader(s, Encoding.UTF8).ReadToEnd())
            .Returns(Task.CompletedTask);

        // Act
        await OpencodeConfigFile.WriteAsync(host.Object, null, "p/m", cancellationToken);

        // Assert
        Assert.That(written, Is.EqualTo(OpencodeConfigFile.Render(null, "p/m")));
    }
}
