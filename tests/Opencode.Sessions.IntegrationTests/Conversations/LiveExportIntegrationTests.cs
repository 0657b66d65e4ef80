using System.Text.Json.Nodes;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.IntegrationTests.Opencode;
using Opencode.Sessions.Opencode;
using Opencode.Sessions.Launching;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Conversations;

/// <summary>
/// The transcript read from the live server (what a snapshot stores since cancellation stopped spawning a second
/// opencode) against <c>opencode export</c> of the same session, and <c>opencode import</c> of it, on real opencode 1.18.33.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LiveExportIntegrationTests : ScriptedOpencodeFixture
{
    [Test, CancelAfter(300_000)]
    public async Task ExportSessionAsync_AfterAToolTurn_EqualsOpencodeExportAndImportsWithTheSameMessages(CancellationToken cancellationToken)
    {
        // Arrange: a real turn with a tool call, so the transcript has user, assistant, tool and text parts.
        var directory = Opencode.NewDirectory("live-export");
        Opencode.Model.EnqueueForDirectory(directory, ScriptedReply.Bash("echo exported > marker.txt", "write a marker"), ScriptedReply.Text("Marker written — «ünïcödé» ✓"));
        using var client = Opencode.Client(directory);
        var session = await client.CreateSessionAsync(new CreateSessionRequest { Title = "live export" }, cancellationToken);
        await client.SendMessageAsync(session.Id, PromptRequest.FromText("Write the marker."), cancellationToken);
        var cliFile = Path.Combine(Opencode.Host.TaskDirectory, "cli-export-" + session.Id + ".json");

        // Act
        var live = await client.ExportSessionAsync(session.Id, cancellationToken);
        await OpencodeCli.ExportSessionAsync(Opencode.Host, TestOpencode.ExecutablePath, session.Id, cliFile, OpencodeTestBed.EnvironmentFor(Opencode.Host), cancellationToken);

        // Assert: the same document as the CLI's, whitespace aside.
        var cliBytes = await File.ReadAllBytesAsync(cliFile, cancellationToken);
        var liveJson = JsonNode.Parse(live)!;
        var cliJson = JsonNode.Parse(cliBytes)!;
        TestContext.Out.WriteLine($"live export {live.Length} bytes, opencode export {cliBytes.Length} bytes (pretty-printed)");
        Assert.That(liveJson["messages"]!.AsArray(), Has.Count.GreaterThanOrEqualTo(3), "user, assistant (tool), assistant (text)");
        Assert.That(JsonNode.DeepEquals(liveJson, cliJson), Is.True, $"live:\n{liveJson.ToJsonString()}\ncli:\n{cliJson.ToJsonString()}");

        // Assert: opencode import accepts it into a fresh database, with every message and part.
        await using var bed = new OpencodeTestBed();
        var target = await bed.CreateHostAsync("live-import", cancellationToken);
        var importFile = Path.Combine(target.TaskDirectory, "import.json");
        await File.WriteAllBytesAsync(importFile, live, cancellationToken);
        var importedId = await OpencodeCli.ImportSessionAsync(target, TestOpencode.ExecutablePath, importFile, OpencodeTestBed.EnvironmentFor(target), cancellationToken);
        Assert.That(importedId, Is.EqualTo(session.Id));
        var reexported = Path.Combine(target.TaskDirectory, "reexport.json");
        await OpencodeCli.ExportSessionAsync(target, TestOpencode.ExecutablePath, session.Id, reexported, OpencodeTestBed.EnvironmentFor(target), cancellationToken);
        var roundTrip = JsonNode.Parse(await File.ReadAllBytesAsync(reexported, cancellationToken))!;
        Assert.That(PartIds(roundTrip), Is.EqualTo(PartIds(liveJson)), "every message and part survives the import");
        var texts = roundTrip["messages"]!.AsArray().SelectMany(m => m!["parts"]!.AsArray()).Select(p => p!["text"]?.GetValue<string>());
        Assert.That(texts, Does.Contain("Marker written — «ünïcödé» ✓"), "non-ASCII text survives byte for byte");
    }

    [Test, CancelAfter(120_000)]
    public async Task ExportSessionAsync_UnknownSession_ThrowsSessionNotFound(CancellationToken cancellationToken)
    {
        using var client = Opencode.Client(Opencode.NewDirectory("live-export-unknown"));

        var error = await Assert.ThrowsAsync<OpencodeSessionNotFoundException>(() => client.ExportSessionAsync("ses_000000000000000000000000ab", cancellationToken));

        Assert.That(error!.Message, Does.Contain("ses_000000000000000000000000ab"));
    }

    private static string[] PartIds(JsonNode export) =>
        export["messages"]!.AsArray()
            .SelectMany(m => new[] { m!["info"]!["id"]!.GetValue<string>() }.Concat(m["parts"]!.AsArray().Select(p => p!["id"]!.GetValue<string>())))
            .ToArray();
}
