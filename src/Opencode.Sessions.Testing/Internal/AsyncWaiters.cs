namespace Opencode.Sessions.Testing.Internal;

/// <summary>
/// Items recorded over time plus waiters for an item matching a predicate. Thread-safe: every member locks, and
/// waiters are completed outside the lock (asynchronously), so a waiter's continuation never runs under it.
/// </summary>
internal sealed class AsyncWaiters<T>
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Predicate, TaskCompletionSource<T> Source)> _waiters = [];

    /// <summary>Gets a copy of the items recorded so far.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return _items.ToArray();
        }
    }

    /// <summary>Gets the number of items.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Records an item, created under the lock from its index, and wakes the waiters it satisfies.</summary>
    public T Add(Func<int, T> create)
    {
        T item;
        List<TaskCompletionSource<T>> satisfied = [];
        lock (_gate)
        {
            item = create(_items.Count);
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (Matches(_waiters[i].Predicate, item, _waiters[i].Source))
                {
                    satisfied.Add(_waiters[i].Source);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var source in satisfied)
        {
            source.TrySetResult(item);
        }

        return item;
    }

    /// <summary>Returns the first recorded item matching <paramref name="predicate"/>, waiting for one if needed.</summary>
    public async Task<T> WaitAsync(Func<T, bool> predicate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var found = false;
        lock (_gate)
        {
            foreach (var item in _items)
            {
                if (Matches(predicate, item, source))
                {
                    source.TrySetResult(item);
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                _waiters.Add((predicate, source));
            }
        }

        if (found)
        {
            return await source.Task.ConfigureAwait(false);
        }

        try
        {
            return await source.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Source == source);
            }
        }
    }

    private static bool Matches(Func<T, bool> predicate, T item, TaskCompletionSource<T> source)
    {
        try
        {
            return predicate(item);
        }
        catch (Exception ex)
        {
            // A throwing predicate fails its own wait instead of breaking the recorder.
            source.TrySetException(ex);
            return true;
        }
    }
}
