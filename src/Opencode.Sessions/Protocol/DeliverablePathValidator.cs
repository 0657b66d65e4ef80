using Opencode.Sessions.Hosting;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Validates paths announced by <c>DELIVERABLE:</c> lines (lifecycle §4.3). Paths are resolved with
/// <see cref="IHost.ResolveRealPathAsync"/>, that is on the host itself, so symlinks on a remote host are resolved
/// there and cannot smuggle a file from outside the work directory.
/// </summary>
/// <remarks>
/// An absolute path is accepted when it resolves under <c>deliverables/</c> (agents' tools often write absolute
/// paths); a relative one is taken relative to the resolved work directory. The deliverables directory itself, a
/// sibling such as <c>deliverables_other/</c>, and anything resolving outside the work directory are rejected.
/// The work directory and <c>deliverables/</c> are resolved once, on the first deliverable, and kept: a symlink the
/// agent swaps in later cannot widen what is accepted, and each further deliverable costs one host call (a command
/// per call on an SSH host) instead of three.
/// </remarks>
internal sealed class DeliverablePathValidator
{
    /// <summary>The name of the deliverables directory inside the work directory.</summary>
    public const string DeliverablesDirectoryName = "deliverables";

    private readonly IHost _host;
    private string? _workdir;
    private string? _deliverablesRoot;

    public DeliverablePathValidator(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>Resolves and checks one announced path.</summary>
    /// <param name="announcedPath">The path from the <c>DELIVERABLE:</c> line (non-empty).</param>
    /// <param name="cancellationToken">A token to cancel the host calls.</param>
    /// <returns>The verdict, with the resolved host path and, when valid, the path relative to <c>deliverables/</c>.</returns>
    public async Task<DeliverablePathValidation> ValidateAsync(string announcedPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(announcedPath);
        var workdir = _workdir ??= await ResolveAsync(_host.WorkDirectory, cancellationToken).ConfigureAwait(false);
        var candidate = announcedPath.StartsWith('/') ? announcedPath : HostPath.Combine(workdir, announcedPath);
        var resolved = await ResolveAsync(candidate, cancellationToken).ConfigureAwait(false);
        if (!HostPath.IsUnder(resolved, workdir))
        {
            return new DeliverablePathValidation(DeliverablePathStatus.EscapesWorkdir, announcedPath, resolved, null);
        }

        // deliverables/ may itself be a symlink; resolve it the same way (it must stay inside the work directory).
        var root = _deliverablesRoot ??= await ResolveAsync(HostPath.Combine(_host.WorkDirectory, DeliverablesDirectoryName), cancellationToken).ConfigureAwait(false);
        if (!HostPath.IsUnder(root, workdir) || !HostPath.IsUnder(resolved, root, allowEqual: false))
        {
            return new DeliverablePathValidation(DeliverablePathStatus.NotUnderDeliverables, announcedPath, resolved, null);
        }

        var relative = resolved[(root.TrimEnd('/').Length + 1)..];
        return new DeliverablePathValidation(DeliverablePathStatus.Valid, announcedPath, resolved, relative);
    }

    private async Task<string> ResolveAsync(string path, CancellationToken cancellationToken) =>
        HostPath.Normalize(await _host.ResolveRealPathAsync(path, cancellationToken).ConfigureAwait(false));
}
