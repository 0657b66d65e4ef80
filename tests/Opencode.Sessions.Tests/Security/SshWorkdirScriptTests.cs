using System.Diagnostics;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;

namespace Opencode.Sessions.Tests.Security;

/// <summary>
/// The SSH host's perl helper run locally with <c>/bin/sh</c>, as sshd would run it: the same refusals as the local
/// opener, framed uploads, and a clear message when perl is missing.
/// </summary>
[TestFixture]
[Category("Security")]
public sealed class SshWorkdirScriptTests
{
    private const string Marker = "__ocs_0123456789abcdef__";
    private string _root = null!;
    private string _workdir = null!;
    private string _outside = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("ocs-perl-").FullName;
        _workdir = Directory.CreateDirectory(Path.Combine(_root, "workdir")).FullName;
        _outside = Path.Combine(_root, "secret.txt");
        File.WriteAllText(_outside, "secret");
        Directory.CreateDirectory(Path.Combine(_workdir, "d"));
        File.WriteAllText(Path.Combine(_workdir, "d", "ok.txt"), "genuine");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    [CancelAfter(30_000)]
    public async Task Read_RegularFile_HeaderYThenContent(CancellationToken cancellationToken)
    {
        var (exit, stdout, _) = await RunAsync(SshWorkdirScript.Read(_workdir, ["d", "ok.txt"], Marker), null, null, cancellationToken);

        Assert.That((exit, stdout), Is.EqualTo((0, "Ygenuine")));
    }

    [TestCase("link", 'L')]
    [TestCase("dirlink/ok.txt", 'L')]
    [TestCase("fifo", 'T')]
    [TestCase("d", 'T')]
    [TestCase("hard", 'H')]
    [TestCase("none", 'M')]
    [TestCase("nodir/none", 'M')]
    [CancelAfter(30_000)]
    public async Task Read_UnsafeEntry_RefusedWithItsLetterWithoutBlocking(string relative, char expected, CancellationToken cancellationToken)
    {
        File.CreateSymbolicLink(Path.Combine(_workdir, "link"), _outside);
        Directory.CreateSymbolicLink(Path.Combine(_workdir, "dirlink"), Path.Combine(_workdir, "d"));
        Run("mkfifo", Path.Combine(_workdir, "fifo"));
        Run("ln", _outside, Path.Combine(_workdir, "hard"));

        var (exit, stdout, _) = await RunAsync(SshWorkdirScript.Read(_workdir, relative.Split('/'), Marker), null, null, cancellationToken);

        Assert.That((exit, stdout), Is.EqualTo((0, expected.ToString())));
        Assert.That(SshWorkdirScript.ReasonOf(expected), Is.Not.Null);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Write_FramedUploadThroughDirectoryLink_RefusedAndTruncatedUploadLeavesNothing(CancellationToken cancellationToken)
    {
        var outsideDirectory = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_workdir, "out"), outsideDirectory);
        var framed = new MemoryStream();
        await SshWorkdirScript.CopyFramedAsync(new MemoryStream("hello"u8.ToArray()), framed, cancellationToken);

        var refused = await RunAsync(SshWorkdirScript.Write(_workdir, ["out", "r.txt"], UnixFileMode.UserRead, Marker), framed.ToArray(), null, cancellationToken);
        var written = await RunAsync(SshWorkdirScript.Write(_workdir, ["n", "r.txt"], UnixFileMode.UserRead | UnixFileMode.UserWrite, Marker), framed.ToArray(), null, cancellationToken);
        var truncated = await RunAsync(SshWorkdirScript.Write(_workdir, ["t.txt"], UnixFileMode.UserRead, Marker), framed.ToArray()[..^4], null, cancellationToken);

        Assert.That(SshWorkdirScript.ReasonOf(refused.Exit), Is.EqualTo(UnsafeWorkdirPathReason.SymbolicLink));
        Assert.That(Directory.GetFileSystemEntries(outsideDirectory), Is.Empty);
        Assert.That(written.Exit, Is.Zero, written.Stderr);
        Assert.That(File.ReadAllText(Path.Combine(_workdir, "n", "r.txt")), Is.EqualTo("hello"));
        Assert.That(truncated.Exit, Is.EqualTo(SshWorkdirScript.TruncatedExitCode));
        Assert.That(Directory.GetFileSystemEntries(_workdir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "d", "out", "n" }), "no partial file, no temporary file");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Read_PerlMissing_ExitCode127AndAMessageNamingPerl(CancellationToken cancellationToken)
    {
        var (exit, stdout, stderr) = await RunAsync(SshWorkdirScript.Read(_workdir, ["d", "ok.txt"], Marker), null, "/nonexistent", cancellationToken);

        Assert.That(exit, Is.EqualTo(SshWorkdirScript.PerlMissingExitCode));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain("perl is not installed on this host"));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string script, byte[]? input, string? path, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/sh", ["-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        using var process = Process.Start(start)!;
        if (input is not null)
        {
            await process.StandardInput.BaseStream.WriteAsync(input, cancellationToken);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments))!;
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, program);
    }
}
