using NUnit.Framework;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Commands run to completion.</content>
public abstract partial class ProcessHostContractTests
{
    /// <summary>Values that break naive quoting.</summary>
    private static readonly string[] HostileArguments =
    [
        "plain", "with space", "it's", "double \"quoted\"", "$HOME", "$(echo pwned)", "`id`", "back\\slash",
        "new\nline", "-n", "--", "*", "a;b", "a|b&c", "tab\tchar", "ünïcödé ✓", "", " padded ", "'", "\\'",
    ];

    /// <summary>The exit code, standard output and standard error come back apart and unchanged.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RunCommand_ReportsExitCodeStdoutAndStderr()
    {
        using var timeout = Timeout();

        var result = await Host.RunCommandAsync(HostCommand.Shell("echo out; printf 'err no newline' >&2; exit 42"), timeout.Token).ConfigureAwait(false);

        Assert.That((result.ExitCode, result.StandardOutput, result.StandardError), Is.EqualTo((42, "out\n", "err no newline")));
        Assert.That(result.Succeeded, Is.False);
    }

    /// <summary>Arguments arrive as given, whatever characters they hold.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RunCommand_HostileArguments_ArriveUnchanged()
    {
        using var timeout = Timeout();

        var result = await Host.RunCommandAsync(new HostCommand("printf", ["%s\\0", .. HostileArguments]), timeout.Token).ConfigureAwait(false);

        Assert.That(result.ExitCode, Is.Zero, result.StandardError);
        Assert.That(result.StandardOutput.Split('\0')[..^1], Is.EqualTo(HostileArguments));
    }

    /// <summary>Standard input is delivered whole, then closed.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RunCommand_StandardInput_IsDeliveredWholeThenClosed()
    {
        using var timeout = Timeout();
        var input = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();

        var result = await Host.RunCommandAsync(new HostCommand("wc", ["-c"]) { StandardInput = new MemoryStream(input) }, timeout.Token).ConfigureAwait(false);

        Assert.That(result.StandardOutput.Trim(), Is.EqualTo("300000"));
    }

    /// <summary>Commands run in the work directory unless told otherwise; variables are set, and unset with <see langword="null"/>.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RunCommand_WorkingDirectoryAndEnvironment_AreApplied()
    {
        using var timeout = Timeout();
        var directory = Host.WorkDirectory + "/sub dir 'q'";
        await WriteTextAsync(directory + "/f", "x", timeout.Token).ConfigureAwait(false);
        var workdir = await Host.ResolveRealPathAsync(Host.WorkDirectory, timeout.Token).ConfigureAwait(false);

        var byDefault = await Host.RunCommandAsync(new HostCommand("pwd", ["-P"]), timeout.Token).ConfigureAwait(false);
        var explicitly = await Host.RunCommandAsync(
            HostCommand.Shell("pwd -P; printf '%s|' \"$A\" \"${HOME-unset}\"") with
            {
                WorkingDirectory = directory,
                Environment = new Dictionary<string, string?> { ["A"] = "x'y\"z $HOME `id`\nline", ["HOME"] = null },
            },
            timeout.Token).ConfigureAwait(false);

        Assert.That(byDefault.StandardOutput, Is.EqualTo(workdir + "\n"));
        Assert.That(explicitly.StandardOutput, Is.EqualTo(workdir + "/sub dir 'q'\nx'y\"z $HOME `id`\nline|unset|"), explicitly.StandardError);
    }

    /// <summary>The home directory is the absolute <c>$HOME</c> commands see.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task ResolveHome_IsTheHomeCommandsSee()
    {
        using var timeout = Timeout();

        var home = await Host.ResolveHomeAsync(timeout.Token).ConfigureAwait(false);
        var shell = await Host.RunCommandAsync(HostCommand.Shell("printf '%s' \"$HOME\""), timeout.Token).ConfigureAwait(false);

        Assert.That(home, Does.StartWith("/"));
        Assert.That(home, Is.EqualTo(shell.StandardOutput));
    }

    /// <summary>Cancelling a command stops it: the call ends with <see cref="OperationCanceledException"/> long before the command would.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task RunCommand_Cancelled_EndsPromptly()
    {
        using var timeout = Timeout();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var marker = Host.WorkDirectory + "/finished";
        var running = Host.RunCommandAsync(HostCommand.Shell("sleep 30; echo done > \"$1\"", marker), cancel.Token);
        await Task.Delay(500, timeout.Token).ConfigureAwait(false);
        var started = DateTime.UtcNow;

        await cancel.CancelAsync().ConfigureAwait(false);

        Assert.That(async () => await running.ConfigureAwait(false), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(async () => await Host.OpenReadAsync(marker, timeout.Token).ConfigureAwait(false), Throws.InstanceOf<FileNotFoundException>());
    }
}
