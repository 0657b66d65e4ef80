using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeCliTests
{
    private Mock<IHost> _host = null!;
    private HostCommand? _command;
    private HostCommandResult _result = new(0, "", "");
    private readonly IReadOnlyDictionary<string, string?> _env = OpencodeEnvironment.Build("/t", isolateHome: true, extra: null);

    [SetUp]
    public void SetUp()
    {
        _command = null;
        _result = new HostCommandResult(0, "", "");
        _host = new Mock<IHost>();
        _host.SetupGet(h => h.TaskDirectory).Returns("/t");
        _host.SetupGet(h => h.WorkDirectory).Returns("/t/workdir");
        _host.Setup(h => h.RunCommandAsync(It.IsAny<HostCommand>(), It.IsAny<CancellationToken>()))
            .Returns<HostCommand, CancellationToken>((c, _) =>
            {
                _command = c;
                return Task.FromResult(_result);
            });
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ExportSessionAsync_Success_RunsPreludeAndRedirectWithPositionalValues(CancellationToken cancellationToken)
    {
        await OpencodeCli.ExportSessionAsync(_host.Object, "/bin/oc", "ses_1", "/t/export it.json", _env, cancellationToken);

        var c = _command!;
        Assert.That(c.FileName, Is.EqualTo("/bin/sh"));
        Assert.That(c.Arguments[1], Does.StartWith(OpencodeEnvironment.ShellPrelude));
        Assert.That(c.Arguments[1], Does.Contain("\"$opencode\" export \"$id\" > \"$partial\"").And.Contain("mv -f \"$partial\" \"$target\""));
        Assert.That(c.Arguments.Skip(3), Is.EqualTo(new[] { "/t/run", "/bin/oc", "ses_1", "/t/export it.json" }));
        Assert.That(c.Environment, Is.SameAs(_env));
        Assert.That(c.WorkingDirectory, Is.EqualTo("/t/workdir"));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ExportSessionAsync_Fails_ThrowsWithExitCodeAndCleanStderr(CancellationToken cancellationToken)
    {
        _result = new HostCommandResult(1, "", "Exporting session: ses_x\n\u001b[91m\u001b[1mError: \u001b[0mSession not found: ses_x\n");

        var ex = await Assert.ThrowsAsync<OpencodeCliException>(() => OpencodeCli.ExportSessionAsync(_host.Object, "/bin/oc", "ses_x", "/t/e.json", _env, cancellationToken));

        Assert.That(ex!.Operation, Is.EqualTo("export"));
        Assert.That(ex.ExitCode, Is.EqualTo(1));
        Assert.That(ex.StandardErrorTail, Does.EndWith("Error: Session not found: ses_x"));
        Assert.That(ex.Message, Does.Contain("opencode export failed (exit 1)").And.Contain("Session not found: ses_x"));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ImportSessionAsync_Success_RunsInWorkdirAndReturnsImportedId(CancellationToken cancellationToken)
    {
        _result = new HostCommandResult(0, "Imported session: ses_abc\n", "");

        var id = await OpencodeCli.ImportSessionAsync(_host.Object, "/bin/oc", "/t/s.json", _env, cancellationToken);

        Assert.That(id, Is.EqualTo("ses_abc"));
        var c = _command!;
        Assert.That(c.Arguments[1], Does.Contain("exec \"$1\" import \"$2\""));
        Assert.That(c.Arguments.Skip(3), Is.EqualTo(new[] { "/t/run", "/bin/oc", "/t/s.json" }));
        Assert.That(c.WorkingDirectory, Is.EqualTo("/t/workdir"));
        Assert.That(c.Environment, Is.SameAs(_env));
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ImportSessionAsync_NoIdPrinted_ReturnsNull(CancellationToken cancellationToken)
    {
        _result = new HostCommandResult(0, "", "");

        Assert.That(await OpencodeCli.ImportSessionAsync(_host.Object, "/bin/oc", "/t/s.json", _env, cancellationToken), Is.Null);
    }

    [Test]
    [CancelAfter(5000)]
    public async Task ImportSessionAsync_Fails_ThrowsCliException(CancellationToken cancellationToken)
    {
        _result = new HostCommandResult(1, "", "Error: File not found: /t/s.json");

        var ex = await Assert.ThrowsAsync<OpencodeCliException>(() => OpencodeCli.ImportSessionAsync(_host.Object, "/bin/oc", "/t/s.json", _env, cancellationToken));

        Assert.That(ex!.Operation, Is.EqualTo("import"));
        Assert.That(ex.Message, Does.Contain("File not found"));
    }
}
