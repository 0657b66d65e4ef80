using Opencode.Sessions.Hosting;
using Opencode.Sessions.Posix;

namespace Opencode.Sessions.Protocol;

/// <summary>
/// Checks paths announced by <c>DELIVERABLE:</c> lines (lifecycle §4.3) <em>lexically</em>: the path is normalised as
/// text and must name something strictly under <c>&lt;workdir&gt;/deliverables/</c>. Nothing on the host is resolved
/// or trusted here — the file is later opened beneath the work directory by descriptor
/// (<see cref="IHost.OpenWorkdirFileAsync"/>), which refuses every symbolic link, special file and hard link, so there
/// is no separate check a swap could race.
/// </summary>
/// <remarks>
/// An absolute path is accepted when it lies under the work directory as the host names it, or as its real path (the
/// agent sees the real path when the task root is reached through a symlink; that one lookup is made once, and only
/// for an absolute path that needs it). <c>..</c> is applied as text: <c>deliverables/missing/../x</c> is
/// <c>deliverables/x</c>, which is then opened without following links, so a missing component or a link before
/// <c>..</c> cannot lead anywhere else; a <c>..</c> that leaves <c>deliverables/</c> is refused. The deliverables
/// directory itself and a sibling such as <c>deliverables_other/</c> are refused too.
/// </remarks>
internal sealed class DeliverablePathValidator
{
    /// <summary>The name of the deliverables directory inside the work directory.</summary>
    public const string DeliverablesDirectoryName = "deliverables";

    private readonly IHost _host;
    private string? _realWorkdir;

    public DeliverablePathValidator(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>Checks one announced path.</summary>
    /// <param name="announcedPath">The path from the <c>DELIVERABLE:</c> line (non-empty).</param>
    /// <param name="cancellationToken">A token to cancel the one host call an absolute path may need.</param>
    /// <returns>The verdict, with the host path and, when valid, the path relative to <c>deliverables/</c>.</returns>
    public async Task<DeliverablePathValidation> ValidateAsync(string announcedPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(announcedPath);
        var workdir = HostPath.Normalize(_host.WorkDirectory);
        string relative;
        if (announcedPath.StartsWith('/'))
        {
            var absolute = HostPath.Normalize(announcedPath);
            if (!HostPath.IsUnder(absolute, workdir))
            {
                var real = _realWorkdir ??= HostPath.Normalize(await _host.ResolveRealPathAsync(workdir, cancellationToken).ConfigureAwait(false));
                if (!HostPath.IsUnder(absolute, real))
                {
                    return new DeliverablePathValidation(DeliverablePathStatus.EscapesWorkdir, announcedPath, absolute, null);
                }

                workdir = real;
            }

            relative = absolute.Length == workdir.Length ? "." : absolute[(workdir.TrimEnd('/').Length + 1)..];
        }
        else
        {
            relative = HostPath.Normalize(announcedPath);
            if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal))
            {
                return new DeliverablePathValidation(DeliverablePathStatus.EscapesWorkdir, announcedPath, HostPath.Normalize(HostPath.Combine(workdir, announcedPath)), null);
            }
        }

        var hostPath = relative == "." ? workdir : HostPath.Combine(workdir, relative);
        const string Prefix = DeliverablesDirectoryName + "/";
        if (!relative.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return new DeliverablePathValidation(DeliverablePathStatus.NotUnderDeliverables, announcedPath, hostPath, null);
        }

        return new DeliverablePathValidation(DeliverablePathStatus.Valid, announcedPath, HostPath.Combine(_host.WorkDirectory, relative), relative[Prefix.Length..]);
    }
}
