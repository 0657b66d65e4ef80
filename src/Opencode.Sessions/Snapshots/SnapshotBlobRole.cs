namespace Opencode.Sessions.Snapshots;

/// <summary>Which of a snapshot's two blobs a piece of data is; part of what <see cref="IBlobCipher"/> authenticates.</summary>
public enum SnapshotBlobRole
{
    /// <summary>The exported opencode session (the transcript).</summary>
    Session = 1,

    /// <summary>The work directory as a gzip-compressed tar archive.</summary>
    Workdir = 2,
}
