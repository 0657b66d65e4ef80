using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// The contract every <see cref="IHost"/> must keep, as an NUnit fixture to inherit: files (atomic writes, modes),
/// work-directory files that refuse symbolic links, commands, launched process groups and their termination,
/// following a file, archiving and restoring the work directory (hostile archives refused), and tunnels.
/// </summary>
/// <remarks>
/// <para>
/// Each test gets a fresh host from <see cref="CreateHostAsync"/>, connects it and sets its work directory up; the host
/// is cleaned up (<see cref="IHost.CleanupTaskDirectoryAsync"/>) and disposed afterwards. The tests touch nothing on
/// the host outside its task directory. Create per-fixture resources (a temporary task root, a server) in a
/// <c>[OneTimeSetUp]</c> of the derived class: it runs before the first <see cref="CreateHostAsync"/>.
/// </para>
/// <para>
/// To arrange state the host API cannot create (appending to a file, a symbolic link) the kit runs POSIX commands
/// through the host; a host that cannot run programs overrides <see cref="AppendAsync"/> and
/// <see cref="CreateSymlinkAsync"/>. A host that runs real programs derives from <see cref="ProcessHostContractTests"/>,
/// which adds commands and process groups. <see cref="StartServerOnHostAsync"/> assumes the host's loopback interface is this
/// machine's; override it for a host elsewhere.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// public sealed class MyHostContract : HostContractTests
/// {
///     protected override Task&lt;IHost&gt; CreateHostAsync(CancellationToken cancellationToken) =&gt;
///         Task.FromResult&lt;IHost&gt;(new MyHost("kit-" + Guid.NewGuid().ToString("N")));
/// }
/// </code>
/// </example>
[TestFixture]
public abstract partial class HostContractTests
{
    private IHost? _host;

    /// <summary>Gets the host of the current test (connected, work directory set up).</summary>
    protected IHost Host => _host ?? throw new InvalidOperationException("The host is created in the kit's [SetUp].");

    /// <summary>Gets how long one case may take. Default 60 seconds.</summary>
    protected virtual TimeSpan CaseTimeout => TimeSpan.FromSeconds(60);

    /// <summary>Creates the host for one test, not yet connected. Each call must give a host with its own task directory.</summary>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The host; the kit connects, sets up, cleans up and disposes it.</returns>
    protected abstract Task<IHost> CreateHostAsync(CancellationToken cancellationToken);

    /// <summary>Creates a host, connects it and sets up its work directory.</summary>
    /// <returns>A task that completes when the host is ready.</returns>
    [SetUp]
    public async Task SetUpHostAsync()
    {
        using var timeout = new CancellationTokenSource(CaseTimeout);
        _host = await CreateHostAsync(timeout.Token).ConfigureAwait(false);
        await _host.ConnectAsync(timeout.Token).ConfigureAwait(false);
        await _host.SetupWorkdirAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Removes the task directory and disposes the host.</summary>
    /// <returns>A task that completes when the host is gone.</returns>
    [TearDown]
    public async Task TearDownHostAsync()
    {
        if (_host is not { } host)
        {
            return;
        }

        _host = null;
        try
        {
            using var timeout = new CancellationTokenSource(CaseTimeout);
            await host.CleanupTaskDirectoryAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The case disposed the host itself.
        }
        finally
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Connect is idempotent and safe to call concurrently; dispose is idempotent; a disposed host refuses to connect.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Lifecycle_ConnectTwiceAndConcurrently_DisposeTwice_ThenConnectIsRefused()
    {
        using var timeout = Timeout();
        await Task.WhenAll(Host.ConnectAsync(timeout.Token), Host.ConnectAsync(timeout.Token), Host.ConnectAsync(timeout.Token)).ConfigureAwait(false);
        await WriteTextAsync(Host.WorkDirectory + "/still-usable.txt", "yes", timeout.Token).ConfigureAwait(false);
        Assert.That(await ReadTextAsync(Host.WorkDirectory + "/still-usable.txt", timeout.Token).ConfigureAwait(false), Is.EqualTo("yes"));

        await Host.CleanupTaskDirectoryAsync(timeout.Token).ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);
        await Host.DisposeAsync().ConfigureAwait(false);

        Assert.That(async () => await Host.ConnectAsync(timeout.Token).ConfigureAwait(false), Throws.InstanceOf<ObjectDisposedException>());
    }

    /// <summary>Appends text to a file on the host (creating it). The default runs <c>printf &gt;&gt;</c> through the host.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="text">The text, appended as UTF-8.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the bytes are in the file.</returns>
    protected virtual async Task AppendAsync(string path, string text, CancellationToken cancellationToken)
    {
        var result = await Host.RunCommandAsync(HostCommand.Shell("printf '%s' \"$1\" >> \"$2\"", text, path), cancellationToken).ConfigureAwait(false);
        Assert.That(result.ExitCode, Is.Zero, "appending failed: " + result.StandardError);
    }

    /// <summary>Creates a symbolic link on the host. The default runs <c>ln -s</c> through the host.</summary>
    /// <param name="linkPath">Absolute path of the link.</param>
    /// <param name="target">Its target.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when the link exists.</returns>
    protected virtual async Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken)
    {
        var result = await Host.RunCommandAsync(new HostCommand("ln", ["-s", "--", target, linkPath]), cancellationToken).ConfigureAwait(false);
        Assert.That(result.ExitCode, Is.Zero, "ln -s failed: " + result.StandardError);
    }

    /// <summary>
    /// Starts a TCP server that listens on the host's loopback interface and returns its port and the first bytes it
    /// receives. The default listens in this process (the host's loopback is this machine's).
    /// </summary>
    /// <param name="cancellationToken">A token that stops the server.</param>
    /// <returns>The port and a task with the first four bytes a client sent.</returns>
    protected virtual Task<(int Port, Task<byte[]> Received)> StartServerOnHostAsync(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        async Task<byte[]> ReceiveAsync()
        {
            try
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                var buffer = new byte[4];
                await client.GetStream().ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                return buffer;
            }
            finally
            {
                listener.Stop();
            }
        }

        return Task.FromResult((port, ReceiveAsync()));
    }


    /// <summary>Creates a token source that cancels after <see cref="CaseTimeout"/>.</summary>
    /// <returns>The token source; dispose it.</returns>
    protected CancellationTokenSource Timeout() => new(CaseTimeout);

    /// <summary>Writes UTF-8 text with <see cref="IHost.WriteFileAsync"/>.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="text">The text.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>A task that completes when written.</returns>
    protected Task WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        Host.WriteFileAsync(path, new MemoryStream(Encoding.UTF8.GetBytes(text)), null, cancellationToken);

    /// <summary>Reads a file as UTF-8 text with <see cref="IHost.OpenReadAsync"/>.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The text.</returns>
    protected async Task<string> ReadTextAsync(string path, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetString(await ReadBytesAsync(path, cancellationToken).ConfigureAwait(false));

    /// <summary>Reads a file with <see cref="IHost.OpenReadAsync"/>.</summary>
    /// <param name="path">Absolute path.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The bytes.</returns>
    protected async Task<byte[]> ReadBytesAsync(string path, CancellationToken cancellationToken)
    {
        var stream = await Host.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    /// <summary>Archives the work directory and reads the entries back (names without <c>./</c> or a trailing slash).</summary>
    /// <param name="exclude">The exclusion patterns.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The entries by relative name.</returns>
    protected async Task<Dictionary<string, ArchivedEntry>> ArchiveEntriesAsync(IReadOnlyList<string> exclude, CancellationToken cancellationToken)
    {
        using var archive = new MemoryStream();
        await Host.ArchiveWorkdirAsync(archive, exclude, cancellationToken).ConfigureAwait(false);
        archive.Position = 0;
        var entries = new Dictionary<string, ArchivedEntry>(StringComparer.Ordinal);
        var gzip = new GZipStream(archive, CompressionMode.Decompress);
        await using (gzip.ConfigureAwait(false))
        {
            var reader = new TarReader(gzip);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.GetNextEntryAsync(copyData: true, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    var name = (entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name).TrimEnd('/');
                    if (name.Length == 0 || name == "." || entry.EntryType is TarEntryType.GlobalExtendedAttributes)
                    {
                        continue;
                    }

                    byte[]? content = null;
                    if (entry.DataStream is { } data)
                    {
                        using var copy = new MemoryStream();
                        await data.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                        content = copy.ToArray();
                    }

                    entries[name] = new ArchivedEntry(entry.EntryType, entry.Mode, content);
                }
            }
        }

        return entries;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling every 100 ms.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="cancellationToken">A token that ends the wait.</param>
    /// <returns><see langword="true"/> if it held before <paramref name="cancellationToken"/> fired.</returns>
    protected static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await condition().ConfigureAwait(false))
            {
                return true;
            }

            try
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return false;
    }
}
