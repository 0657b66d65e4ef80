using System.Diagnostics;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.ExtensionTests.Hosts;

/// <summary>
/// A small host written against the public API only: everything runs on this machine through
/// <see cref="Process"/> and <c>/bin/sh</c>, files are plain .NET file I/O. It leans on <see cref="HostBase"/> for its
/// life-cycle and for <c>SetupWorkdirAsync</c>, <c>RemoveFileAsync</c>, <c>ResolveRealPathAsync</c>,
/// <c>ResolveHomeAsync</c>, <c>CleanupTaskDirectoryAsync</c> and <c>OpenTunnelAsync</c>.
/// </summary>
/// <remarks>
/// A sample, not a product: its work-directory file access checks each path component for symbolic links before
/// using it, which a racing writer could defeat (the library's <c>LocalHost</c> walks by descriptor instead).
/// </remarks>
internal sealed partial class ShellHost(string taskDirectory) : HostBase
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    public override string DisplayName => "shell host";

    public override string TaskDirectory { get; } = taskDirectory;

    public override async Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ThrowIfDisposed();
        using var process = new Process { StartInfo = StartInfo(command.FileName, command.Arguments, command.WorkingDirectory, command.Environment) };
        process.StartInfo.RedirectStandardInput = true;
        process.Start();
        using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (command.StandardInput is { } input)
            {
                await input.CopyToAsync(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException) when (process.HasExited)
        {
            // The program stopped reading; its exit code tells the story.
        }
        finally
        {
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new HostCommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public override async Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        ArgumentNullException.ThrowIfNull(content);
        ThrowIfDisposed();
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory, PrivateDirectory);
        await WriteAtomicallyAsync(directory, Path.GetFileName(path), content, mode ?? PrivateFile, cancellationToken).ConfigureAwait(false);
    }

    public override Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken)
    {
        RequireAbsolute(path);
        ThrowIfDisposed();
        return File.Exists(path)
            ? Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            : throw new FileNotFoundException($"'{path}' does not exist on the {DisplayName}.", path);
    }

    public override async Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();

        // setsid execs in place (a child of ours is no group leader), so the pid is the new group's id.
        var info = StartInfo("setsid", [startInfo.FileName, .. startInfo.Arguments], startInfo.WorkingDirectory, startInfo.Environment);
        return await TrackProcessAsync(ShellHostProcess.Start(info, startInfo)).ConfigureAwait(false);
    }

    private ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? (Directory.Exists(WorkDirectory) ? WorkDirectory : "/"),
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
            if (value is null)
            {
                info.Environment.Remove(name);
            }
        }

        return info;
    }

    /// <summary>Streams into a temporary sibling, applies the mode, and renames it over the target.</summary>
    private static async Task WriteAtomicallyAsync(string directory, string name, Stream content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            var target = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile });
            await using (target.ConfigureAwait(false))
            {
                await content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            File.SetUnixFileMode(temporary, mode);
            File.Move(temporary, Path.Combine(directory, name), overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
