using System.Runtime.CompilerServices;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing;

/// <content>Following files: lines appended with <see cref="AppendToFile(string, string)"/> reach the followers.</content>
public sealed partial class FakeHost
{
    private readonly HashSet<string> _endedFollows = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets or sets the longest line followers emit whole (longer lines are truncated). Default 1 MiB.</summary>
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <inheritdoc/>
    /// <remarks>
    /// Like <c>tail -F -n +1</c>: starts at byte 0, waits for the file to appear, holds back an incomplete last line,
    /// and starts again from byte 0 when the file is replaced (written or removed and re-created). The enumeration
    /// ends normally after <see cref="EndFollowing"/> (once the complete lines are delivered) or when the host is
    /// disposed, and with <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    public override async IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var normalized = Absolute(path);
        await EnterAsync(nameof(FollowFileAsync), normalized, cancellationToken).ConfigureAwait(false);
        var assembler = new LineAssembler(MaxLineBytes);
        var lines = new List<FollowedLine>();
        object? followed = null;
        var offset = 0;
        while (true)
        {
            Task changed;
            byte[] fresh = [];
            bool ended;
            lock (_gate)
            {
                changed = _changed.Task;
                ended = IsDisposed || _endedFollows.Contains(normalized);
                if (_files.TryGetValue(normalized, out var file))
                {
                    if (!ReferenceEquals(file, followed) || file.Content.Length < offset)
                    {
                        followed = file;
                        offset = 0;
                        assembler = new LineAssembler(MaxLineBytes);
                    }

                    fresh = file.Content[offset..];
                    offset = file.Content.Length;
                }
            }

            assembler.Append(fresh, lines);
            foreach (var line in lines)
            {
                yield return line;
            }

            lines.Clear();
            if (ended)
            {
                yield break;
            }

            if (fresh.Length == 0)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Ends every current and future <see cref="FollowFileAsync"/> of <paramref name="path"/> once its complete lines
    /// are delivered, like a <c>tail</c> process that exits. Use it to test what happens when the follower stops early.
    /// </summary>
    /// <param name="path">Absolute path.</param>
    public void EndFollowing(string path)
    {
        var normalized = Absolute(path);
        lock (_gate)
        {
            _endedFollows.Add(normalized);
        }

        SignalChanged();
    }

    /// <summary>Wakes every follower to look for new data.</summary>
    private void SignalChanged()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
