using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Opencode.Sessions.Internal;

/// <summary>
/// Connects a push-style producer (writes into a stream) to a pull-style consumer (reads from a stream) through a small
/// bounded buffer, so neither side ever holds more than a few chunks in memory.
/// </summary>
internal static class StreamPipe
{
    /// <summary>The largest chunk one write puts in the buffer.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>How many chunks may wait in the buffer (bounded memory: at most 1 MiB in flight).</summary>
    public const int Capacity = 16;

    /// <summary>
    /// Runs <paramref name="producer"/> and <paramref name="consumer"/> concurrently, connected by a pipe. The producer's
    /// end of stream is signalled when it returns. When one side fails, the other is cancelled and the first real error
    /// is rethrown (errors the pipe induced on the other side are not reported).
    /// </summary>
    public static async Task RunAsync(
        Func<Stream, CancellationToken, Task> producer,
        Func<Stream, CancellationToken, Task> consumer,
        CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = new Buffer();
        Exception? first = null;

        void Fail(Exception exception)
        {
            Interlocked.CompareExchange(ref first, exception, null);
            linked.Cancel();
        }

        async Task RunProducerAsync()
        {
            var writer = new WriterStream(buffer, linked.Token);
            try
            {
                await producer(writer, linked.Token).ConfigureAwait(false);
                buffer.CompleteWriting(null);
            }
            catch (Exception ex)
            {
                if (ex is not PipeClosedException)
                {
                    Fail(ex);
                }

                buffer.CompleteWriting(ex);
            }
        }

        async Task RunConsumerAsync()
        {
            var reader = new ReaderStream(buffer, linked.Token);
            try
            {
                await consumer(reader, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (!IsInduced(ex))
                {
                    Fail(ex);
                }
            }
            finally
            {
                buffer.CloseReading();
            }
        }

        await Task.WhenAll(Task.Run(RunProducerAsync, CancellationToken.None), Task.Run(RunConsumerAsync, CancellationToken.None)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first is not null)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    /// <summary>A source linking the caller's token to the pipe's, or <see langword="null"/> when the pipe's alone suffices (the usual case: callers pass the pipe's token back).</summary>
    private static CancellationTokenSource? Link(CancellationToken pipeToken, CancellationToken callerToken) =>
        !callerToken.CanBeCanceled || callerToken == pipeToken ? null : CancellationTokenSource.CreateLinkedTokenSource(pipeToken, callerToken);

    private static bool IsInduced(Exception ex) =>
        ex is PipeClosedException || (ex.InnerException is { } inner && IsInduced(inner));

    /// <summary>Thrown inside the pipe when the other side went away; never escapes <see cref="RunAsync"/> as the reported error.</summary>
    private sealed class PipeClosedException(string message, Exception? inner = null) : IOException(message, inner);

    private sealed class Buffer
    {
        private readonly ConcurrentQueue<(byte[] Array, int Length)> _chunks = new();
        private readonly SemaphoreSlim _items = new(0);
        private readonly SemaphoreSlim _space = new(Capacity);
        private volatile bool _writingDone;
        private volatile bool _readingClosed;
        private Exception? _writerError;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            while (!data.IsEmpty)
            {
                await _space.WaitAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfReadingClosed();
                var length = Math.Min(data.Length, ChunkSize);
                var array = ArrayPool<byte>.Shared.Rent(length);
                data.Span[..length].CopyTo(array);
                _chunks.Enqueue((array, length));
                _items.Release();
                data = data[length..];
            }
        }

        public void Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
        {
            while (!data.IsEmpty)
            {
                // A blocking wait on a semaphore, as a blocking write into a full OS pipe would do (not sync-over-async).
                _space.Wait(cancellationToken);
                ThrowIfReadingClosed();
                var length = Math.Min(data.Length, ChunkSize);
                var array = ArrayPool<byte>.Shared.Rent(length);
                data[..length].CopyTo(array);
                _chunks.Enqueue((array, length));
                _items.Release();
                data = data[length..];
            }
        }

        public void CompleteWriting(Exception? error)
        {
            if (_writingDone)
            {
                return;
            }

            _writerError = error;
            _writingDone = true;
            _items.Release();
        }

        public void CloseReading()
        {
            _readingClosed = true;
            _space.Release(); // wakes a writer waiting for space, which then sees the closed reader
            while (_chunks.TryDequeue(out var chunk))
            {
                ArrayPool<byte>.Shared.Return(chunk.Array);
            }
        }

        /// <summary>Waits for the next chunk; returns <see langword="null"/> at the end of the stream.</summary>
        public async ValueTask<(byte[] Array, int Length)?> TakeAsync(CancellationToken cancellationToken)
        {
            await _items.WaitAsync(cancellationToken).ConfigureAwait(false);
            return Dequeue();
        }

        public (byte[] Array, int Length)? Take(CancellationToken cancellationToken)
        {
            _items.Wait(cancellationToken);
            return Dequeue();
        }

        public static void Return(byte[] array) => ArrayPool<byte>.Shared.Return(array);

        private (byte[] Array, int Length)? Dequeue()
        {
            if (_chunks.TryDequeue(out var chunk))
            {
                _space.Release();
                return chunk;
            }

            // Only the completion signal is left: chunks are always enqueued before the final release.
            _items.Release(); // keep the signal for any later read
            if (_writerError is not null)
            {
                throw new PipeClosedException("The producer of this stream failed; the data is incomplete.", _writerError);
            }

            return null;
        }

        private void ThrowIfReadingClosed()
        {
            if (_readingClosed)
            {
                _space.Release();
                throw new PipeClosedException("The reader of this stream stopped reading.");
            }
        }
    }

    private sealed class WriterStream(Buffer buffer, CancellationToken pipeToken) : ForwardOnlyWriteStream
    {
        public override void Write(byte[] array, int offset, int count) => buffer.Write(array.AsSpan(offset, count), pipeToken);

        public override void Write(ReadOnlySpan<byte> data) => buffer.Write(data, pipeToken);

        public override Task WriteAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(array.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            using var both = Link(pipeToken, cancellationToken);
            await buffer.WriteAsync(data, both?.Token ?? pipeToken).ConfigureAwait(false);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    }

    private sealed class ReaderStream(Buffer buffer, CancellationToken pipeToken) : ForwardOnlyReadStream
    {
        private byte[]? _current;
        private int _offset;
        private int _length;
        private bool _ended;

        public override int Read(byte[] array, int offset, int count) => Read(array.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            if (destination.IsEmpty || _ended || (_current is null && !Install(buffer.Take(pipeToken))))
            {
                return 0;
            }

            return CopyOut(destination);
        }

        public override Task<int> ReadAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(array.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (destination.IsEmpty || _ended)
            {
                return 0;
            }

            if (_current is null)
            {
                using var both = Link(pipeToken, cancellationToken);
                if (!Install(await buffer.TakeAsync(both?.Token ?? pipeToken).ConfigureAwait(false)))
                {
                    return 0;
                }
            }

            return CopyOut(destination.Span);
        }

        protected override void Dispose(bool disposing)
        {
            if (_current is not null)
            {
                Buffer.Return(_current);
                _current = null;
            }

            base.Dispose(disposing);
        }

        // Installs a freshly taken chunk as the current one; returns false at the end of the stream.
        private bool Install((byte[] Array, int Length)? taken)
        {
            if (taken is not { } chunk)
            {
                _ended = true;
                return false;
            }

            (_current, _offset, _length) = (chunk.Array, 0, chunk.Length);
            return true;
        }

        private int CopyOut(Span<byte> destination)
        {
            var count = Math.Min(destination.Length, _length - _offset);
            _current.AsSpan(_offset, count).CopyTo(destination);
            _offset += count;
            if (_offset == _length)
            {
                Buffer.Return(_current!);
                _current = null;
            }

            return count;
        }
    }
}
