using System.Diagnostics;
using System.Text.Json.Nodes;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.Testing;

[TestFixture]
public sealed class ScriptedReplyTests
{
    [Test]
    public void Bash_BuildsOneBashCall_WithDescriptionDefaultingToCommand()
    {
        var reply = ScriptedReply.Bash("ls -la");

        Assert.That(reply.Kind, Is.EqualTo(ScriptedReplyKind.ToolCalls));
        var call = reply.Calls.Single();
        Assert.That(call.Name, Is.EqualTo("bash"));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(call.ArgumentsJson), new JsonObject { ["command"] = "ls -la", ["description"] = "ls -la" }), Is.True);
    }

    [Test]
    public void Write_BuildsWriteCallWithFilePathAndContent()
    {
        var call = ScriptedReply.Write("/abs/x.txt", "body").Calls.Single();

        Assert.That(call.Name, Is.EqualTo("write"));
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(call.ArgumentsJson), new JsonObject { ["filePath"] = "/abs/x.txt", ["content"] = "body" }), Is.True);
    }

    [Test]
    public void ToolCall_ArgumentsAreCopiedAtCreation()
    {
        var arguments = new JsonObject { ["a"] = 1 };

        var reply = ScriptedReply.ToolCall("custom", arguments);
        arguments["a"] = 2;

        Assert.That(reply.Calls.Single().ArgumentsJson, Is.EqualTo("""{"a":1}"""));
    }

    [Test]
    public void WithMethods_ReturnModifiedCopies()
    {
        var original = ScriptedReply.Text("x");

        var changed = original.WithChunkDelay(TimeSpan.FromSeconds(1)).WithInitialDelay(TimeSpan.FromSeconds(2))
            .WithChunkSize(3).WithFinishReason("length").WithUsage(10, 20);

        Assert.That((original.ChunkDelay, original.ChunkSize, original.FinishReason), Is.EqualTo((TimeSpan.Zero, ScriptedReply.DefaultChunkSize, (string?)null)));
        Assert.That((changed.ChunkDelay, changed.InitialDelay, changed.ChunkSize, changed.FinishReason, changed.PromptTokens, changed.CompletionTokens),
            Is.EqualTo((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 3, (string?)"length", (int?)10, (int?)20)));
    }

    [Test]
    public void InvalidArguments_AreRejected()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => ScriptedReply.ToolCalls(), Throws.ArgumentException);
            Assert.That(() => ScriptedReply.HttpError(200), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ScriptedReply.Text("x").WithChunkSize(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ScriptedReply.HttpError(500).WithText("x"), Throws.InvalidOperationException);
            Assert.That(() => ScriptedReply.LogLine("two\nlines"), Throws.ArgumentException);
            Assert.That(() => ScriptedReply.WriteDeliverable("../escape.md", "x"), Throws.ArgumentException);
            Assert.That(() => ScriptedReply.WriteDeliverable("/abs.md", "x"), Throws.ArgumentException);
        });
    }

    [Test]
    public void HttpError_DefaultBody_IsOpenAiStyleError()
    {
        var reply = ScriptedReply.HttpError(503);

        Assert.That(JsonNode.Parse(reply.ErrorBody)?["error"]?["message"]?.GetValue<string>(), Is.EqualTo("scripted error 503"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task LogLineAndWriteDeliverable_CommandsRunInShell_WriteExactBytes(CancellationToken cancellationToken)
    {
        // Arrange: awkward characters that must survive shell quoting.
        var workdir = Directory.CreateTempSubdirectory("ocs-reply-").FullName;
        try
        {
            const string content = "line 1 with 'single' and \"double\" quotes\n$HOME `date` \\ %s -n\n";

            // Act
            await RunBashCallAsync(ScriptedReply.LogLine("STATUS: 10% it's -n $HOME"), workdir, cancellationToken);
            await RunBashCallAsync(ScriptedReply.WriteDeliverable("sub dir/report.md", content), workdir, cancellationToken);
            await RunBashCallAsync(ScriptedReply.LogLine("DONE"), workdir, cancellationToken);

            // Assert
            Assert.That(File.ReadAllText(Path.Combine(workdir, "deliverables", "sub dir", "report.md")), Is.EqualTo(content));
            Assert.That(File.ReadAllText(Path.Combine(workdir, "optio.log")), Is.EqualTo(
                "STATUS: 10% it's -n $HOME\nDELIVERABLE: ./deliverables/sub dir/report.md\nDONE\n"));
        }
        finally
        {
            Directory.Delete(workdir, recursive: true);
        }
    }

    private static async Task RunBashCallAsync(ScriptedReply reply, string workdir, CancellationToken cancellationToken)
    {
        var command = JsonNode.Parse(reply.Calls.Single().ArgumentsJson)!["command"]!.GetValue<string>();
        var psi = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workdir, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var process = Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.That(process.ExitCode, Is.Zero, $"{command}\n{stderr}");
    }
}
