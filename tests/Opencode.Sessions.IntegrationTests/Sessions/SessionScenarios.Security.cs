using Opencode.Sessions.Testing;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <content>Issue 8, escapes 0 and 6, in a real session: what the agent's commands and opencode itself can see.</content>
public abstract partial class SessionScenarios
{
    /// <summary>A variable of the job runner (this test process), set once and never removed; its name is unique to the run.</summary>
    private static readonly string RunnerSecretName = "OCS_RUNNER_SECRET_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private static readonly string RunnerSecretValue = "runner-secret-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// The agent dumps its own environment and opencode's (<c>/proc/&lt;opencode&gt;/environ</c>, found by walking up
    /// to the <c>serve</c> process) into a deliverable.
    /// </summary>
    private const string DumpEnvironments = """
        mkdir -p deliverables
        p=$PPID
        while [ "$p" -gt 1 ] && ! tr '\0' ' ' < /proc/$p/cmdline | grep -q ' serve '; do p=$(awk '{print $4}' /proc/$p/stat); done
        { env; echo '=== opencode'; tr '\0' '\n' < /proc/$p/environ; } > deliverables/env.txt
        printf 'DELIVERABLE: deliverables/env.txt\nDONE\n' >> optio.log
        """;

    [Test]
    [Category("Security")]
    [CancelAfter(OneSessionTimeout)]
    public async Task Escape0_RunnerSecret_ReachesNeitherTheAgentNorOpencode(CancellationToken cancellationToken)
    {
        // Arrange: a secret in the job runner's environment, as the README's SNAPSHOT_KEY pattern puts it there.
        Environment.SetEnvironmentVariable(RunnerSecretName, RunnerSecretValue);
        var processId = NewProcessId("env");
        Script(processId, ScriptedReply.Bash(DumpEnvironments, "dump environments"), ScriptedReply.Text("ok"));
        var received = new List<Deliverable>();
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: false) with
        {
            OnDeliverable = CollectInto(received),
            Environment = new Dictionary<string, string?> { ["OPENCODE_DISABLE_MODELS_FETCH"] = "1", ["OPENCODE_DISABLE_SHARE"] = "1", ["CONFIGURED_FOR_AGENT"] = "yes" },
        };

        // Act
        await OpencodeTaskFactory.Create(processId, "environment", config).ExecuteAsync(context, cancellationToken);

        // Assert
        var why = Describe(context, processId);
        Assert.That(received, Has.Count.EqualTo(1), why);
        var dump = received[0].Text!;
        Assert.That(dump, Does.Contain("=== opencode\n"), why);
        var (agent, opencode) = (dump[..dump.IndexOf("=== opencode", StringComparison.Ordinal)], dump[dump.IndexOf("=== opencode", StringComparison.Ordinal)..]);
        Assert.That(dump, Does.Not.Contain(RunnerSecretName).And.Not.Contain(RunnerSecretValue), "the job runner's secret reached the agent or opencode");
        Assert.That(dump, Does.Not.Contain("SSH_CONNECTION="), "the remote login's own variables are not inherited either");
        Assert.That(agent, Does.Contain("CONFIGURED_FOR_AGENT=yes").And.Contain("PATH="), "the configured Environment and PATH are passed");
        Assert.That(opencode, Does.Contain("OPENCODE_SESSIONS_TASK_DIRECTORY=" + TaskDirectoryOf(processId) + "\n"));
    }

    [Test]
    [Category("Security")]
    [CancelAfter(OneSessionTimeout)]
    public async Task Escape6_ServerPassword_IsStillInTheAgentsEnvironment_DocumentedExposure(CancellationToken cancellationToken)
    {
        // opencode 1.18.33 reads its server password only from OPENCODE_SERVER_PASSWORD (Effect Config over
        // process.env; no config key, no file), and its bash tool spawns with { ...process.env, ...shell.env hook }.
        // The agent runs as opencode's user, so /proc/<opencode>/environ and the password file are readable to it
        // whatever a plugin hides. This test pins that reality: if it starts failing, opencode gained a way and the
        // README's security model must be updated.
        var processId = NewProcessId("password");
        Script(processId, ScriptedReply.Bash(DumpEnvironments, "dump environments"), ScriptedReply.Text("ok"));
        var received = new List<Deliverable>();
        var context = NewContext(processId);
        var config = CreateConfig(supportsResume: false) with { OnDeliverable = CollectInto(received) };

        await OpencodeTaskFactory.Create(processId, "password", config).ExecuteAsync(context, cancellationToken);

        var why = Describe(context, processId);
        Assert.That(received, Has.Count.EqualTo(1), why);
        Assert.That(context.WidgetUpstreamAuth, Is.Not.Null, why);
        var agent = received[0].Text![..received[0].Text!.IndexOf("=== opencode", StringComparison.Ordinal)];
        Assert.That(agent, Does.Contain("OPENCODE_SERVER_PASSWORD=" + context.WidgetUpstreamAuth!.Password + "\n"), "known exposure (escape 6), see the comment");
    }
}
