namespace Opencode.Sessions.Testing.Contracts;

/// <summary>
/// What a host under test can do beyond the file, follow, archive and tunnel operations every host must pass
/// (<see cref="HostContractTests.Capabilities"/>). A case that needs a missing capability is skipped with
/// <c>Assert.Ignore</c> and a reason that names it.
/// </summary>
[Flags]
public enum HostCapabilities
{
    /// <summary>Only the cases every host must pass.</summary>
    None = 0,

    /// <summary>
    /// <see cref="Hosting.IHost.RunCommandAsync"/> runs real programs with a POSIX <c>/bin/sh</c> and the usual tools
    /// (<c>printf</c>, <c>wc</c>, <c>pwd</c>, <c>kill</c>): exit codes, output, standard input, working directory and
    /// environment are checked.
    /// </summary>
    Commands = 1,

    /// <summary>
    /// <see cref="Hosting.IHost.LaunchAsync"/> starts real processes, each in a process group of its own, and
    /// termination signals the whole group (needs <see cref="Commands"/> too, to look for survivors).
    /// </summary>
    ProcessGroups = 2,

    /// <summary>Everything.</summary>
    All = Commands | ProcessGroups,
}
