using System.Net.ServerSentEvents;
using System.Text;

using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Opencode;

/// <summary>
/// Push-style server-sent-events framing on top of the BCL's <see cref="SseParser"/>: the caller feeds the chunks it
/// read from the network and gets back the <c>data</c> of every event those chunks completed (events without data are
/// dropped). An event (all its lines, without their terminators) larger than the limit is refused before the parser
/// buffers it, so a peer that never sends a blank line cannot make the client hold an unbounded event.
/// One instance per connection. Not thread-safe: one <see cref="FeedAsync"/> at a time.
/// </summary>
internal sealed class SseEventFeed : IAsyncDisposable
{
    private readonly SseSizeLimit _limit;
    private readonly FeedStream _stream = new();
    private readonly IAsyncEnumerator<SseItem<string>> _items;
    private Task<bool>? _next;

    public SseEventFeed(int maxEventBytes)
    {
        _limit = new SseSizeLimit(maxEventBytes);
        _items = SseParser.Create(_stream, static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync().GetAsyncEnumerator();
    }

    /// <summary>
    /// Feeds one chunk and appends the data of every event it completed to <paramref name="events"/>. Returns once the
    /// parser has taken the whole chunk, so the caller may reuse its buffer.
    /// </summary>
    /// <exception cref="OpencodeServerException">An event grew past the limit without a boundary.</exception>
    public async ValueTask FeedAsync(ReadOnlyMemory<byte> chunk, List<string> events)
    {
        ObjectDisposedException.ThrowIf(_stream.IsCompleted, this);
        _limit.Count(chunk.Span);
        var starved = _stream.Push(chunk);
        while (true)
        {
            _next ??= _items.MoveNextAsync().AsTask();
            if (!_next.IsCompleted && await Task.WhenAny(_next, starved).ConfigureAwait(false) != _next)
            {
                return; // the parser took everything and waits for the next chunk
            }

            var more = await _next.ConfigureAwait(false);
            _next = null;
            if (!more)
            {
                return;
            }

            if (_items.Current.Data.Length > 0)
            {
                events.Add(_items.Current.Data);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream.IsCompleted)
        {
            return;
        }

        _stream.Complete();
        try
        {
            while (await (_next ?? _items.MoveNextAsync().AsTask()).ConfigureAwait(false))
            {
                _next = null; // a trailing event without its blank line is dropped, as the standard says
            }
        }
        finally
        {
            _next = null;
            await _items.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Counts the bytes of the current event (line terminators excluded) and refuses one past the limit.</summary>
    private sealed class SseSizeLimit(int maxEventBytes)
    {
        private long _eventBytes;
        private bool _lineHasText;
        private bool _pendingCarriageReturn;

        public void Count(ReadOnlySpan<byte> chunk)
        {
            while (!chunk.IsEmpty)
            {
                if (_pendingCarriageReturn)
                {
                    _pendingCarriageReturn = false;
                    if (chunk[0] == (byte)'\n')
                    {
                        chunk = chunk[1..];
                        continue;
                    }
                }

                var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
                var text = end < 0 ? chunk.Length : end;
                if (text > 0)
                {
                    _eventBytes += text;
                    _lineHasText = true;
                    if (_eventBytes > maxEventBytes)
                    {
                        throw new OpencodeServerException(
                            $"SSE event exceeds {maxEventBytes} bytes without an event boundary.{Environment.NewLine}" +
                            "The server (or a proxy in between) is not sending server-sent events; raise OpencodeClientOptions.MaxEventBytes if events are legitimately that large.");
                    }
                }

                if (end < 0)
                {
                    return;
                }

                if (!_lineHasText)
                {
                    _eventBytes = 0; // a blank line ends the event
                }

                _lineHasText = false;
                _pendingCarriageReturn = chunk[end] == (byte)'\r';
                chunk = chunk[(end + 1)..];
            }
        }
    }

    /// <summary>
    /// The parser's input: hands out the pushed chunk, then signals "starved" and waits for the next push (or the end).
    /// A chunk ending in CR gets an LF at once (and a leading LF of the next chunk is dropped), so an event ended by a
    /// bare CR is dispatched without waiting for the next chunk, while a CRLF split across chunks stays one terminator.
    /// </summary>
    private sealed class FeedStream : ForwardOnlyReadStream
    {
        private ReadOnlyMemory<byte> _pending;
        private TaskCompletionSource _starved = NewSignal();
        private TaskCompletionSource _arrived = NewSignal();
        private bool _lineFeedOwed;
        private bool _dropLineFeed;

        public bool IsCompleted { get; private set; }

        /// <summary>Makes <paramref name="chunk"/> readable; the task completes when the parser has taken all of it and asks for more.</summary>
        public Task Push(ReadOnlyMemory<byte> chunk)
        {
            if (_dropLineFeed && !chunk.IsEmpty)
            {
                _dropLineFeed = false;
                chunk = chunk.Span[0] == (byte)'\n' ? chunk[1..] : chunk;
            }

            if (!chunk.IsEmpty && chunk.Span[^1] == (byte)'\r')
            {
                _lineFeedOwed = _dropLineFeed = true;
            }

            _pending = chunk;
            _starved = NewSignal();
            var arrived = _arrived;
            _arrived = NewSignal();
            arrived.TrySetResult();
            return _starved.Task;
        }

        /// <summary>Ends the stream: the parser's pending and later reads return 0.</summary>
        public void Complete()
        {
            IsCompleted = true;
            _pending = ReadOnlyMemory<byte>.Empty;
            _arrived.TrySetResult();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_pending.IsEmpty)
            {
                if (IsCompleted || buffer.IsEmpty)
                {
                    return 0;
                }

                if (_lineFeedOwed)
                {
                    _lineFeedOwed = false;
                    buffer.Span[0] = (byte)'\n';
                    return 1;
                }

                var arrived = _arrived.Task;
                _starved.TrySetResult();
                await arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var count = Math.Min(buffer.Length, _pending.Length);
            _pending.Span[..count].CopyTo(buffer.Span);
            _pending = _pending[count..];
            return count;
        }

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
