using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Hosting;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Benchmarks;

/// <summary>
/// The part of a local host the snapshot path uses (files in the task directory, archive and restore of the work
/// directory with the library's archiver); everything else is out of scope for this benchmark.
/// </summary>
internal sealed class LocalDirectoryHost(string taskDirectory) : IHost
{
    public string DisplayName => "benchmark directory host";

    public string TaskDirectory { get; } = taskDirectory;

    public string WorkDirectory { get; } = Path.Combine(taskDirectory, "workdir");

    public Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken) =>
        WorkdirArchiver.WriteAsync(WorkDirectory, destination, exclude, NullLogger.Instance, cancellationToken);

    public Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken) =>
        WorkdirArchiver.ExtractAsync(source, WorkDirectory, NullLogger.Instance, cancellationToken);

    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) => Task.FromResult<Stream>(File.OpenRead(path));

    public Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The snapshot benchmark reads no deliverables.");

    public Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The snapshot benchmark writes no hook files.");

    public async Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await using (var file = File.Create(temporary))
        {
            await content.CopyToAsync(file, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Task RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        File.Delete(path);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SetupWorkdirAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<string> ResolveRealPathAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<string> ResolveHomeAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IPEndPoint> OpenTunnelAsync(int hostPort, CancellationToken cancellationToken) => throw new NotSupportedException();

    public IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
