using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.IntegrationTests.Opencode;

public sealed class OpencodeCliIntegrationTests
{
    [Test]
    [CancelAfter(180000)]
    public async Task ExportThenImport_IntoFreshDatabase_KeepsIdAndRebindsToNewWorkdir(CancellationToken cancellationToken)
    {
        // Arrange: a session created through the HTTP API of a server on task A's database.
        await using var bed = new OpencodeTestBed();
        var opencode = TestOpencode.ExecutablePath;
        var a = await bed.CreateHostAsync("cli-source", cancellationToken);
        string sessionId;
        await using (var server = await OpencodeTestBed.LaunchAsync(a, opencode, cancellationToken))
        {
            using var client = OpencodeTestBed.CreateClient(server, withCredentials: true);
            using var created = await client.PostAsJsonAsync("/session", new { title = "round trip" }, cancellationToken);
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            var session = JsonNode.Parse(await created.Content.ReadAsStringAsync(cancellationToken))!;
            sessionId = session["id"]!.GetValue<string>();
            Assert.That(session["directory"]!.GetValue<string>(), Is.EqualTo(a.WorkDirectory));
        }

        // Act: export from A (server stopped), import into task B's fresh database.
        var exported = Path.Combine(a.TaskDirectory, "export.json");
        await OpencodeCli.ExportSessionAsync(a, opencode, sessionId, exported, OpencodeTestBed.EnvironmentFor(a), cancellationToken);
        var b = await bed.CreateHostAsync("cli-target", cancellationToken);
        var imported = Path.Combine(b.TaskDirectory, "import.json");
        File.Copy(exported, imported);
        var importedId = await OpencodeCli.ImportSessionAsync(b, opencode, imported, OpencodeTestBed.EnvironmentFor(b), cancellationToken);

        // Assert
        Assert.That(JsonNode.Parse(await File.ReadAllTextAsync(exported, cancellationToken))!["info"]!["id"]!.GetValue<string>(), Is.EqualTo(sessionId));
        Assert.That(File.Exists(exported + ".partial"), Is.False);
        Assert.That(importedId, Is.EqualTo(sessionId));
        Assert.That(File.Exists(Path.Combine(b.TaskDirectory, "opencode.db")), Is.True);
        await using var serverB = await OpencodeTestBed.LaunchAsync(b, opencode, cancellationToken);
        using var clientB = OpencodeTestBed.CreateClient(serverB, withCredentials: true);
        using var response = await clientB.GetAsync($"/session/{sessionId}", cancellationToken);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var restored = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
        Assert.That(restored["id"]!.GetValue<string>(), Is.EqualTo(sessionId));
        Assert.That(restored["title"]!.GetValue<string>(), Is.EqualTo("round trip"));
        Assert.That(restored["directory"]!.GetValue<string>(), Is.EqualTo(b.WorkDirectory), "import re-binds the session to its cwd");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ExportSessionAsync_UnknownSession_ThrowsAndLeavesNoFile(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("cli-unknown", cancellationToken);
        var target = Path.Combine(host.TaskDirectory, "export.json");

        var ex = await Assert.ThrowsAsync<OpencodeCliException>(() =>
            OpencodeCli.ExportSessionAsync(host, TestOpencode.ExecutablePath, "ses_000000000000000000000000ab", target, OpencodeTestBed.EnvironmentFor(host), cancellationToken));

        Assert.That(ex!.ExitCode, Is.Not.Zero);
        Assert.That(ex.Message, Does.Contain("Session not found"));
        Assert.That(File.Exists(target), Is.False);
        Assert.That(File.Exists(target + ".partial"), Is.False);
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ImportSessionAsync_MissingFile_ThrowsCliException(CancellationToken cancellationToken)
    {
        await using var bed = new OpencodeTestBed();
        var host = await bed.CreateHostAsync("cli-missing", cancellationToken);

        var ex = await Assert.ThrowsAsync<OpencodeCliException>(() =>
            OpencodeCli.ImportSessionAsync(host, TestOpencode.ExecutablePath, Path.Combine(host.TaskDirectory, "nope.json"), OpencodeTestBed.EnvironmentFor(host), cancellationToken));

        Assert.That(ex!.Operation, Is.EqualTo("import"));
        Assert.That(ex.Message, Does.Contain("File not found"));
    }
}
