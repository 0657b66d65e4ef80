using System.Text;
using Moq;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeLauncherTests
{
    private const string Exe = "/opt/oc dir/opencode";
    private Mock<IHost> _host = null!;
    private FakeProcess _process = null!;
    private HostProcessStartInfo? _startInfo;
    private readonly Dictionary<string, (string Content, UnixFileMode? Mode)> _written = [];
    private readonly List<string> _removed = [];
    private Action<Action<string>>? _onLaunch;

    [SetUp]
    public void SetUp()
    {
        _written.Clear();
        _removed.Clear();
        _onLaunch = null;
        _startInfo = null;
        _process = new FakeProcess();
        _host = new Mock<IHost>();
        _host.SetupGet(h => h.TaskDirectory).Returns("/t");
        _host.SetupGet(h => h.WorkDirectory).Returns("/t/workdir");
        _host.SetupGet(h => h.DisplayName).Returns("mock");
        _host.Setup(h => h.WriteFileAsync(It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<UnixFileMode?>(), It.IsAny<CancellationToken>()))
            .Callback<string, Stream, UnixFileMode?, CancellationToken>((p, s, m, _) => _written[p] = (new StreamReader(s, Encoding.UTF8).ReadToEnd(), m))
            .Returns(Task.CompletedTask);
        _host.Setup(h => h.RemoveFileAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback<string, CancellationToken>((p, _) => _removed.Add(p))
            .Returns(Task.CompletedTask);
        _host.Setup(h => h.LaunchAsync(It.IsAny<HostProcessStartInfo>(), It.IsAny<CancellationToken>()))
            .Returns<HostProcessStartInfo, CancellationToken>((si, _) =>
            {
                _startInfo = si;
                _onLaunch?.Invoke(si.OutputLine!);
                return Task.FromResult<IHostProcess>(_process);
            });
    }

    private OpencodeLaunchOptions Options(TimeSpan? readyTimeout = null) => new()
    {
        ExecutablePath = Exe,
        Environment = OpencodeEnvironment.Build("/t", isolateHome: true, extra: null),
        ReadyTimeout = readyTimeout ?? TimeSpan.FromSeconds(30),
        GracePeriod = TimeSpan.FromSeconds(2),
    };

    private OpencodeLauncher CreateSut() => new(_host.Object);

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_ReadyLineAfterWarning_ReturnsServerWithParsedPortAndCredentials(CancellationToken cancellationToken)
    {
        // Arrange
        _onLaunch = line =>
        {
            line("Warning: something unrelated");
            line("opencode server listening on http://127.0.0.1:33195");
        };

        // Act
        await using var server = await CreateSut().LaunchAsync(Options(), cancellationToken);

        // Assert
        Assert.That(server.Port, Is.EqualTo(33195));
        Assert.That(server.HostBaseUri, Is.EqualTo(new Uri("http://127.0.0.1:33195")));
        Assert.That(server.Credentials.Username, Is.EqualTo("opencode"));
        Assert.That(server.Credentials.Password, Has.Length.EqualTo(43));
        Assert.That(server.Process, Is.SameAs(_process));
        Assert.That(server.OutputTail(5), Has.Count.EqualTo(2));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_Always_WritesPasswordFile0600OutsideWorkdirAndKeepsItOutOfArgv(CancellationToken cancellationToken)
    {
        _onLaunch = line => line("opencode server listening on http://127.0.0.1:4096");

        await using var server = await CreateSut().LaunchAsync(Options(), cancellationToken);

        var (content, mode) = _written["/t/run/.opencode-password"];
        Assert.That(content, Is.EqualTo(server.Credentials.Password));
        Assert.That(mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(_startInfo!.Arguments, Has.None.Contains(server.Credentials.Password));
        Assert.That(_startInfo.Environment!.Values, Has.None.EqualTo(server.Credentials.Password));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_Always_RunsShellScriptWithPathsAsPositionalArgumentsInWorkdir(CancellationToken cancellationToken)
    {
        _onLaunch = line => line("opencode server listening on http://127.0.0.1:4096");
        var options = Options();

        await using var server = await CreateSut().LaunchAsync(options, cancellationToken);

        var si = _startInfo!;
        Assert.That(si.FileName, Is.EqualTo("/bin/sh"));
        Assert.That(si.Arguments[0], Is.EqualTo("-c"));
        Assert.That(si.Arguments.Skip(2), Is.EqualTo(new[] { "sh", "/t/run", Exe }));
        var script = si.Arguments[1];
        Assert.That(script, Does.Not.Contain(Exe).And.Not.Contain("/t/"), "values are passed as positional parameters");
        Assert.That(script, Does.Contain("exec \"$opencode\" serve --port 0 --hostname 127.0.0.1"));
        Assert.That(script, Does.Contain("OPENCODE_SERVER_PASSWORD"));
        Assert.That(si.WorkingDirectory, Is.EqualTo("/t/workdir"));
        Assert.That(si.Environment, Is.SameAs(options.Environment));
        Assert.That(si.GracePeriod, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_ExitsBeforeReady_ThrowsLaunchExceptionWithExitCodeAndTail(CancellationToken cancellationToken)
    {
        _onLaunch = line =>
        {
            line("Error: \u001b[91mbad config\u001b[0m");
            _process.Exit(3);
        };

        var ex = await Assert.ThrowsAsync<OpencodeLaunchException>(() => CreateSut().LaunchAsync(Options(), cancellationToken));

        Assert.That(ex!.ExitCode, Is.EqualTo(3));
        Assert.That(ex.OutputTail, Is.EqualTo(new[] { "Error: \u001b[91mbad config\u001b[0m" }));
        Assert.That(ex.Message, Does.Contain("code 3").And.Contain("Error: bad config"));
        Assert.That(_removed, Does.Contain("/t/run/.opencode-password"));
        Assert.That(_process.Disposed, Is.True);
    }

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_NoReadyLineWithinTimeout_KillsAndThrowsTimeoutWithLast40Lines(CancellationToken cancellationToken)
    {
        _onLaunch = line =>
        {
            for (var i = 0; i < 50; i++)
            {
                line("line " + i);
            }
        };

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => CreateSut().LaunchAsync(Options(TimeSpan.FromMilliseconds(200)), cancellationToken));

        Assert.That(ex!.Message, Does.Contain("0.2 s").And.Contain("ReadyTimeout").And.Contain("line 49").And.Contain("line 10"));
        Assert.That(ex.Message, Does.Not.Contain("line 9\n").And.Not.Contain("line 9" + Environment.NewLine));
        Assert.That(_process.Terminations, Does.Contain(TerminationMode.Aggressive));
        Assert.That(_process.Disposed, Is.True);
        Assert.That(_removed, Does.Contain("/t/run/.opencode-password"));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task LaunchAsync_Cancelled_KillsAndThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _onLaunch = _ => cts.CancelAfter(50);

        await Assert.ThatAsync(() => CreateSut().LaunchAsync(Options(), cts.Token), Throws.InstanceOf<OperationCanceledException>());

        Assert.That(_process.Terminations, Does.Contain(TerminationMode.Aggressive));
    }

    [Test]
    [CancelAfter(10000)]
    public async Task DisposeAsync_Running_StopsGracefullyRemovesPasswordOnceAndIsIdempotent(CancellationToken cancellationToken)
    {
        _onLaunch = line => line("opencode server listening on http://127.0.0.1:4096");
        var server = await CreateSut().LaunchAsync(Options(), cancellationToken);

        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.That(_process.Terminations, Is.EqualTo(new[] { TerminationMode.Graceful }));
        Assert.That(_removed, Is.EqualTo(new[] { "/t/run/.opencode-password" }));
        Assert.That(_process.Disposed, Is.True);
    }

    [Test]
    public void GeneratePassword_Always_43UrlSafeCharactersAndFresh()
    {
        var a = OpencodeLauncher.GeneratePassword();
        var b = OpencodeLauncher.GeneratePassword();

        Assert.That(a, Does.Match("^[A-Za-z0-9_-]{43}$"));
        Assert.That(a, Is.Not.EqualTo(b));
    }

    private sealed class FakeProcess : IHostProcess
    {
        private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ProcessId => 4242;

        public Task<int> Exited => _exited.Task;

        public List<TerminationMode> Terminations { get; } = [];

        public bool Disposed { get; private set; }

        public void Exit(int code) => _exited.TrySetResult(code);

        public Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken)
        {
            if (!_exited.Task.IsCompleted)
            {
                Terminations.Add(mode);
                _exited.TrySetResult(mode == TerminationMode.Aggressive ? 137 : 143);
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
