namespace Opencode.Sessions.Launching;

/// <summary>
/// The private state directory of an <see cref="OpencodeServer"/>: a fresh temporary directory (0700, deleted on
/// dispose) or the configured one (kept; only its scratch directory is removed), locked for the server's lifetime by an
/// exclusive <c>flock</c> on <c>&lt;root&gt;/.opencode.lock</c> (the same lock file a task would use for that directory).
/// </summary>
internal sealed class OpencodeServerState : IDisposable
{
    /// <summary>The name of the server's directory under the root (the local host's "process id").</summary>
    public const string Name = "opencode";

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly FileStream _lock;

    private OpencodeServerState(string root, bool owned, FileStream lockFile)
    {
        Root = root;
        Owned = owned;
        _lock = lockFile;
    }

    /// <summary>Gets the state root (<see cref="OpencodeServerOptions.StateDirectory"/> or the temporary directory).</summary>
    public string Root { get; }

    /// <summary>Gets a value indicating whether the root was created here and is deleted on dispose.</summary>
    public bool Owned { get; }

    /// <summary>Gets the server's directory: <c>&lt;root&gt;/opencode</c> (database, home, scratch).</summary>
    public string Directory => Path.Combine(Root, Name);

    /// <summary>Creates (or opens) the state root, locks it and creates the server's directory (0700).</summary>
    /// <param name="stateDirectory">The configured root, or <see langword="null"/> for a fresh temporary one.</param>
    /// <returns>The locked state.</returns>
    /// <exception cref="InvalidOperationException">Another server holds the configured root.</exception>
    public static OpencodeServerState Open(string? stateDirectory)
    {
        var owned = stateDirectory is null;
        var root = owned
            ? System.IO.Directory.CreateTempSubdirectory("opencode-server-").FullName
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateDirectory!));
        FileStream? lockFile = null;
        try
        {
            CreatePrivateDirectory(root, enforceMode: owned);
            var lockPath = Path.Combine(root, "." + Name + ".lock");
            try
            {
                lockFile = new FileStream(lockPath, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException ex) when (File.Exists(lockPath))
            {
                throw new InvalidOperationException(
                    $"The state directory '{root}' is in use by another opencode server ({nameof(OpencodeServerOptions)}.{nameof(OpencodeServerOptions.StateDirectory)}): " +
                    "one server at a time may use it. Dispose the other server first, or give this one a directory of its own.",
                    ex);
            }

            var state = new OpencodeServerState(root, owned, lockFile);
            CreatePrivateDirectory(state.Directory, enforceMode: true);
            return state;
        }
        catch
        {
            lockFile?.Dispose();
            if (owned)
            {
                System.IO.Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Removes what the server leaves behind: the whole root when owned, else the scratch directory; then unlocks.</summary>
    /// <exception cref="IOException">A file could not be removed (the lock is released anyway).</exception>
    /// <exception cref="UnauthorizedAccessException">A directory could not be entered or changed.</exception>
    public void Dispose()
    {
        try
        {
            var target = Owned ? Root : OpencodeEnvironment.RunDirectory(Directory);
            if (Owned)
            {
                // Unlock first: the lock file is inside the root.
                _lock.Dispose();
            }

            if (System.IO.Directory.Exists(target))
            {
                System.IO.Directory.Delete(target, recursive: true);
            }
        }
        finally
        {
            _lock.Dispose();
        }
    }

    private static void CreatePrivateDirectory(string path, bool enforceMode)
    {
        if (!System.IO.Directory.Exists(path))
        {
            System.IO.Directory.CreateDirectory(path, PrivateDirectory);
            enforceMode = true;
        }

        if (enforceMode)
        {
            // CreateDirectory's mode is filtered by the umask; set the exact one.
            File.SetUnixFileMode(path, PrivateDirectory);
        }
    }
}
