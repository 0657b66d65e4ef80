namespace Opencode.Sessions.Conversations;

/// <summary>
/// A thread-safe in-process <see cref="ISessionRecord"/> for tests, samples and single-process applications.
/// Share one instance between the workers that must converge on one session.
/// </summary>
public sealed class InMemorySessionRecord : ISessionRecord
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly object _gate = new();
    private string? _sessionId;
    private int _saveCount;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="recordId">The record identifier.</param>
    /// <param name="sessionId">An already persisted session id, or null.</param>
    public InMemorySessionRecord(string recordId, string? sessionId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(recordId);
        RecordId = recordId;
        _sessionId = sessionId;
    }

    /// <inheritdoc/>
    public string RecordId { get; }

    /// <summary>Gets the persisted session id, or null.</summary>
    public string? SessionId
    {
        get
        {
            lock (_gate)
            {
                return _sessionId;
            }
        }
    }

    /// <summary>Gets how many times an id was saved.</summary>
    public int SaveCount => Volatile.Read(ref _saveCount);

    /// <summary>
    /// Gets or sets a hook run before each save, with the new id; throw from it to simulate a validation failure
    /// or (with <see cref="SessionRecordConflictException"/>) a lost race.
    /// </summary>
    public Func<string, CancellationToken, Task>? BeforeSave { get; set; }

    /// <inheritdoc/>
    public Task<string?> LoadSessionIdAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(SessionId);
    }

    /// <inheritdoc/>
    public async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(_lock);
    }

    /// <inheritdoc/>
    public async Task SaveSessionIdAsync(string sessionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        if (BeforeSave is { } hook)
        {
            await hook(sessionId, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _sessionId = sessionId;
        }

        Interlocked.Increment(ref _saveCount);
    }

    /// <summary>Sets the persisted id directly (as another process would), bypassing the lock.</summary>
    /// <param name="sessionId">The id, or null to clear it.</param>
    public void Overwrite(string? sessionId)
    {
        lock (_gate)
        {
            _sessionId = sessionId;
        }
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }

            return ValueTask.CompletedTask;
        }
    }
}
