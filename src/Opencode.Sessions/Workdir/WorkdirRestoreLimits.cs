namespace Opencode.Sessions.Workdir;

/// <summary>
/// Caps on what restoring a workdir archive may write, so a hostile or broken snapshot (a gzip bomb, a huge sparse
/// file, millions of empty files) fails with a <see cref="WorkdirRestoreLimitException"/> before it fills the disk.
/// Enforced while the archive streams, before the host receives the bytes that would cross a cap, for every host.
/// </summary>
/// <remarks>
/// Sizes are the sizes the archive declares for its files (a sparse file counts with its full apparent size; a hard
/// link counts again, because it is restored as a copy). The expansion ratio compares the uncompressed archive with
/// the compressed bytes read so far, once more than <see cref="ExpansionRatioGraceBytes"/> were uncompressed.
/// </remarks>
public sealed record WorkdirRestoreLimits
{
    /// <summary>How many uncompressed bytes may pass before <see cref="MaxExpansionRatio"/> is checked (16 MiB).</summary>
    public const long ExpansionRatioGraceBytes = 16L << 20;

    /// <summary>Gets the defaults: 10 GiB, 1,000,000 entries, ratio 200.</summary>
    public static WorkdirRestoreLimits Default { get; } = new();

    /// <summary>Gets the most file bytes a restore may write in total. Default 10 GiB.</summary>
    public long MaxTotalBytes { get; init; } = 10L << 30;

    /// <summary>Gets the most archive entries (files, directories, links) a restore may create. Default 1,000,000.</summary>
    public int MaxEntries { get; init; } = 1_000_000;

    /// <summary>Gets the highest allowed ratio of uncompressed to compressed bytes. Default 200.</summary>
    public double MaxExpansionRatio { get; init; } = 200;

    /// <summary>Returns the problems of these limits, one (property, problem) pair each; empty when they are valid.</summary>
    /// <returns>The problems.</returns>
    internal IEnumerable<(string Field, string Problem)> GetProblems()
    {
        if (MaxTotalBytes < 1)
        {
            yield return (nameof(MaxTotalBytes), $"must be positive, got {MaxTotalBytes}");
        }

        if (MaxEntries < 1)
        {
            yield return (nameof(MaxEntries), $"must be positive, got {MaxEntries}");
        }

        if (!(MaxExpansionRatio >= 1) || double.IsInfinity(MaxExpansionRatio))
        {
            yield return (nameof(MaxExpansionRatio), $"must be a finite number of at least 1, got {MaxExpansionRatio}");
        }
    }
}
