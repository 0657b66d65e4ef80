namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Stores the snapshots that let a later run resume an opencode session: a session blob (the exported transcript), a
/// workdir blob (tar.gz) and a snapshot record. Saving is atomic: blobs first, record last.
/// </summary>
/// <remarks>This contract is owned by the snapshot feature and may still grow before 1.0.</remarks>
public interface ISnapshotStore
{
}
