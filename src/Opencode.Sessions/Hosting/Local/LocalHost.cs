using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Opencode.Sessions.Internal;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Hosting.Local;

/// <summary>
/// The local machine as an <see cref="IHost"/>. The task directory is
/// <c>&lt;task root&gt;/&lt;processId&gt;</c>; processes are started in their own process group via <c>setsid</c>.
/// </summary>
public sealed partial class LocalHost : HostBase
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly ILogger _logger;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="processId">The process id (a safe path segment).</param>
    /// <param name="taskRoot">
    /// The task root; <see langword="null"/> = <c>$OPENCODE_SESSIONS_TASK_ROOT</c>, else <c>&lt;data root&gt;/tasks</c>.
    /// </param>
    /// <param name="logger">A logger, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The process id is not a safe path segment.</exception>
    public LocalHost(string processId, string? taskRoot = null, ILogger<LocalHost>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(processId);
        ProcessIds.Validate(processId, nameof(processId));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        TaskDirectory = TaskPaths.LocalTaskDirectory(processId, taskRoot);
        WorkDirectory = Path.Combine(TaskDirectory, "workdir");
    }

    /// <inheritdoc/>
    public override string DisplayName => "local";

    /// <inheritdoc/>
    public override string TaskDirectory { get; }

    /// <inheritdoc/>
    public override string WorkDirectory { get; }

    /// <summary>Gets the maximum line length <see cref="FollowFileAsync"/> delivers whole. Default 1 MiB.</summary>
    public int MaxFollowedLineBytes { get; init; } = LineAssembler.DefaultMaxLineBytes;

    /// <inheritdoc/>
    public override Task SetupWorkdirAsync(CancellationToken cancellationToken)
    {
        CreatePrivateDirectory(TaskDirectory);
        CreatePrivateDirectory(WorkDirectory);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override async Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var process = new Process { StartInfo = CreateStartInfo(command.FileName, command.Arguments, command.WorkingDirectory ?? DefaultWorkingDirectory(), command.Environment) };
        process.StartInfo.RedirectStandardInput = command.StandardInput is not null;
        process.Start();
        using var kill = cancellationToken.Register(() => TryKillTree(process));
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (command.StandardInput is { } input)
        {
            try
            {
                await input.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (process.HasExited)
            {
                // The command exited without reading all of its input (broken pipe): its exit code tells the story.
            }
            finally
            {
                process.StandardInput.Close();
            }
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new HostCommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <inheritdoc/>
    public override async Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var directory = Path.GetDirectoryName(path) ?? throw new ArgumentException($"'{path}' has no parent directory.", nameof(path));
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                UnixCreateMode = mode ?? PrivateFile,
            };
            var target = new FileStream(temporary, options);
            await using (target.ConfigureAwait(false))
            {
                await content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // UnixCreateMode is filtered by the umask; apply the exact mode asked for.
            File.SetUnixFileMode(temporary, mode ?? PrivateFile);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDeleteFile(temporary);
            throw;
        }
    }

    /// <inheritdoc/>
    public override Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist on the local host.", path);
        }

        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous);
        return Task.FromResult(stream);
    }

    /// <inheritdoc/>
    public override Task RemoveFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing to remove.
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task<string> ResolveRealPathAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(LocalRealPath.Resolve(path));

    /// <inheritdoc/>
    public override Task<string> ResolveHomeAsync(CancellationToken cancellationToken)
    {
        var home = Environment.GetEnvironmentVariable("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }

        return Task.FromResult(home);
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, DisposalToken);
        await foreach (var line in LocalFileFollower.FollowAsync(path, MaxFollowedLineBytes, linked.Token).ConfigureAwait(false))
        {
            yield return line;
        }
    }

    /// <inheritdoc/>
    public override Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken) =>
        WorkdirArchiver.WriteAsync(WorkDirectory, destination, exclude, _logger, cancellationToken);

    /// <inheritdoc/>
    public override Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken) =>
        WorkdirArchiver.ExtractAsync(source, WorkDirectory, _logger, cancellationToken);

    /// <inheritdoc/>
    public override Task CleanupTaskDirectoryAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Directory.Exists(TaskDirectory))
            {
                Directory.Delete(TaskDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CleanupFailed(_logger, TaskDirectory, ex);
            throw new IOException($"Could not remove the task directory '{TaskDirectory}': {ex.Message}", ex);
        }

        return Task.CompletedTask;
    }

    internal static ProcessStartInfo CreateStartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        return info;
    }

    private string? DefaultWorkingDirectory() => Directory.Exists(WorkDirectory) ? WorkDirectory : null;

    private static void CreatePrivateDirectory(string path)
    {
        Directory.CreateDirectory(path, PrivateDirectory);
        File.SetUnixFileMode(path, PrivateDirectory);
    }

    private static void TryKillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a stray temporary file is harmless.
        }
    }
}
