namespace Opencode.Sessions.Conversations;

/// <summary>
/// The application's record that owns one opencode session (a chat, a ticket, a document…): it persists the
/// session id and provides an exclusive lock, so concurrent workers converge on one upstream session.
/// </summary>
/// <remarks>
/// With a database: <see cref="LoadSessionIdAsync"/> re-reads the column, <see cref="LockAsync"/> takes a row lock
/// (<c>SELECT … FOR UPDATE</c> in a transaction committed on dispose), and <see cref="SaveSessionIdAsync"/> writes
/// the column (unique when not null). <see cref="InMemorySessionRecord"/> is a ready implementation for tests and samples.
/// </remarks>
public interface ISessionRecord
{
    /// <summary>Gets a stable identifier of the record for logs and error callbacks (never a secret).</summary>
    string RecordId { get; }

    /// <summary>Reads the persisted session id afresh.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The id, or null when the record has no session yet.</returns>
    Task<string?> LoadSessionIdAsync(CancellationToken cancellationToken);

    /// <summary>Takes the record's exclusive lock; disposing the result releases it. Need not be re-entrant.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock.</returns>
    Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Persists a new session id (called under the lock). Throw <see cref="SessionRecordConflictException"/> when a
    /// uniqueness rule shows another writer already stored one; any other exception means the id could not be saved.
    /// </summary>
    /// <param name="sessionId">The new id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the id is durable.</returns>
    Task SaveSessionIdAsync(string sessionId, CancellationToken cancellationToken);
}
