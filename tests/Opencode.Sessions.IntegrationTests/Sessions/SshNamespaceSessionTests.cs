using System.Net;
using System.Text.Json.Nodes;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>
/// The happy path against an sshd in a network namespace of its own, reached over a veth pair with private addresses:
/// opencode there binds the namespace's 127.0.0.1, which this machine cannot reach, so the session only works if
/// nothing assumes loopback between the two sides and the widget traffic really travels through the SSH tunnel.
/// The scripted model stays on this machine's 127.0.0.1; a relay on the veth address lets the namespace reach it.
/// </summary>
[TestFixture]
public sealed class SshNamespaceSessionTests
{
    private NetworkNamespace? _namespace;
    private SshServerFixture? _server;
    private ScriptedModelServer? _model;
    private TcpRelay? _relay;
    private TempDirectory? _root;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            _namespace = await NetworkNamespace.CreateAsync(timeout.Token);
            _server = await SshServerFixture.StartAsync(
                new SshServerOptions { ListenAddress = _namespace.NamespaceAddress, NetworkNamespace = _namespace.Name }, timeout.Token);
            _model = await ScriptedModelServer.StartAsync(timeout.Token);
            _relay = TcpRelay.Start(IPAddress.Parse(_namespace.HostAddress), new IPEndPoint(IPAddress.Loopback, _model.BaseUrl.Port));
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // Always, in this order: sshd (and what runs in the namespace) first, then the namespace and its link.
        try
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }

            if (_relay is not null)
            {
                await _relay.DisposeAsync();
            }

            if (_model is not null)
            {
                await _model.DisposeAsync();
            }
        }
        finally
        {
            if (_namespace is not null)
            {
                await _namespace.DisposeAsync();
            }
        }
    }

    [SetUp]
    public void CreateRoot() => _root = new TempDirectory("ocs-netns-session-");

    [TearDown]
    public async Task AssertNothingLeftAsync()
    {
        try
        {
            await ProcessAssertions.NoProcessUnderAsync(_root!.Path, ProcessTable.SettleTimeout);
        }
        finally
        {
            _root?.Dispose();
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task ExecuteAsync_SshdInItsOwnNetworkNamespace_RunsToDoneWithTheWidgetUpstreamTunnelledToOpencode(CancellationToken cancellationToken)
    {
        // Arrange
        var ns = _namespace!;
        var server = _server!;
        var model = _model!;
        var tasks = _root!.Sub("tasks");
        const string ProcessId = "netns-happy";
        var workdir = $"{tasks}/{ProcessId}/workdir";
        model.EnqueueForDirectory(workdir, ScriptedReply.WriteDeliverable("route.md", "via the veth"), ScriptedReply.LogLine("DONE: over the namespace"), ScriptedReply.Text("ok"));
        var opencodeConfig = model.CreateOpencodeConfig();
        opencodeConfig["provider"]![ScriptedModelServer.DefaultProviderId]!["options"]!["baseURL"] = $"http://{ns.HostAddress}:{_relay!.Endpoint.Port}/v1";
        var context = new RecordingProcessContext(ProcessId);
        var received = new List<Deliverable>();
        WidgetProbe? probe = null;
        var config = new OpencodeTaskConfig
        {
            ConsumerInstructions = "Follow the scripted steps.",
            OpencodeConfig = opencodeConfig,
            OpencodeExecutable = TestOpencode.ExecutablePath,
            InstallIfMissing = false,
            Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_MODELS_FETCH"] = "1", ["OPENCODE_DISABLE_SHARE"] = "1" },
            SupportsResume = false,
            Ssh = server.CreateConfig(remoteTaskRoot: tasks),
            OnDeliverable = async (_, deliverable, ct) =>
            {
                received.Add(deliverable);
                probe = await ProbeAsync(context, workdir, ct);
            },
        };

        // Act
        await OpencodeTaskFactory.Create(ProcessId, "netns", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var why = $"progress: [{string.Join(" | ", context.Messages)}]";
        Assert.That(received.Select(d => d.Text), Is.EqualTo(new[] { "via the veth" }), why);
        Assert.That(context.Messages, Does.Contain("over the namespace"), why);
        Assert.That(context.WidgetUpstream!.Host, Is.EqualTo("127.0.0.1"), "the widget upstream is the tunnel's end on this machine");
        Assert.That(probe, Is.Not.Null, "the deliverable callback ran while opencode was live");
        Assert.That(probe!.Status, Is.EqualTo(HttpStatusCode.OK), "GET /session/<id> through the tunnel with the session password");
        Assert.That((string?)probe.Session?["id"], Is.EqualTo(context.WidgetData!.IframeSrc.Split('/')[^1]));
        Assert.That((string?)probe.Session?["directory"], Is.EqualTo(workdir));
        Assert.That(probe.AnonymousStatus, Is.EqualTo(HttpStatusCode.Unauthorized), "the password is required through the tunnel too");
        Assert.That(probe.OpencodeNamespaces, Has.Count.EqualTo(1), "one opencode server ran for the session");
        Assert.That(probe.OpencodeNamespaces[0], Is.EqualTo(NetworkNamespace.NamespaceOfProcess(server.ProcessId)).And.Not.EqualTo(NetworkNamespace.NamespaceOfProcess(Environment.ProcessId)),
            "opencode ran inside the namespace, behind its own loopback");
        Assert.That(Directory.Exists($"{tasks}/{ProcessId}"), Is.False, "the remote task directory is wiped");
        Assert.That(await ProcessTable.WaitUntilAsync(() => server.ClientMasterProcessIds(includeWatchdogs: true).Count == 0, ProcessTable.SettleTimeout, cancellationToken), Is.True, "the control master exited");
    }

    /// <summary>While the session is live: the widget's session through the upstream (with and without the password), and opencode's network namespace.</summary>
    private static async Task<WidgetProbe> ProbeAsync(RecordingProcessContext context, string workdir, CancellationToken cancellationToken)
    {
        var (status, session, anonymous) = await SessionScenarios.ProbeWidgetSessionAsync(context, cancellationToken);
        var namespaces = ProcessAssertions.FindUnder(workdir).Where(p => p.CommandLine.Contains(" serve ", StringComparison.Ordinal))
            .Select(p => NetworkNamespace.NamespaceOfProcess(p.Pid)).ToList();
        return new WidgetProbe(status, session, anonymous, namespaces);
    }

    private sealed record WidgetProbe(HttpStatusCode Status, JsonObject? Session, HttpStatusCode AnonymousStatus, IReadOnlyList<string> OpencodeNamespaces);
}
