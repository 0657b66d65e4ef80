using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;

using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Snapshots;

/// <summary>
/// Connects a push-style producer (writes into a stream) to a pull-style consumer (reads from a stream) through a
/// bounded <see cref="Pipe"/>, so neither side ever holds more than about <see cref="Capacity"/> chunks in memory.
/// </summary>
internal static class StreamPipe
{
    /// <summary>The largest slice one write puts in the pipe before waiting for room.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>How many chunks may wait in the pipe before the producer waits (bounded memory: about 1 MiB in flight).</summary>
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
        var pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: Capacity * ChunkSize,
            resumeWriterThreshold: Capacity * ChunkSize / 2,
            useSynchronizationContext: false));
        Exception? first = null;

        void Fail(Exception exception)
        {
            Interlocked.CompareExchange(ref first, exception, null);
            linked.Cancel();
        }

        async Task RunProducerAsync()
        {
            var writer = new WriterStream(pipe.Writer, linked.Token);
            try
            {
                await producer(writer, linked.Token).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (ex is not PipeClosedException)
                {
                    Fail(ex);
                }

                await pipe.Writer.CompleteAsync(new PipeClosedException("The producer of this stream failed; the data is incomplete.", ex)).ConfigureAwait(false);
            }
        }

        async Task RunConsumerAsync()
        {
            var reader = new ReaderStream(pipe.Reader, linked.Token);
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
                // Wakes a producer waiting for room, which then sees the closed reader; drops what was not read.
                await pipe.Reader.CompleteAsync().ConfigureAwait(false);
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

    private static void ThrowIfReaderGone(FlushResult result)
    {
        if (result.IsCompleted)
        {
            throw new PipeClosedException("The reader of this stream stopped reading.");
        }
    }

    /// <summary>Thrown inside the pipe when the other side went away; never escapes <see cref="RunAsync"/> as the reported error.</summary>
    private sealed class PipeClosedException(string message, Exception? inner = null) : IOException(message, inner);

    private sealed class WriterStream(PipeWriter writer, CancellationToken pipeToken) : ForwardOnlyWriteStream
    {
        public override void Write(byte[] array, int offset, int count) => Write(array.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (!data.IsEmpty)
            {
                var length = Math.Min(data.Length, ChunkSize);
                writer.Write(data[..length]);
                data = data[length..];
                var flush = writer.FlushAsync(pipeToken);

                // A blocking wait for room, as a blocking write into a full OS pipe would do; the reader frees it.
                ThrowIfReaderGone(flush.IsCompleted ? flush.Result : flush.AsTask().GetAwaiter().GetResult());
            }
        }

        public override Task WriteAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(array.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            using var both = Link(pipeToken, cancellationToken);
            while (!data.IsEmpty)
            {
                var length = Math.Min(data.Length, ChunkSize);
                ThrowIfReaderGone(await writer.WriteAsync(data[..length], both?.Token ?? pipeToken).ConfigureAwait(false));
                data = data[length..];
            }
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class ReaderStream(PipeReader reader, CancellationToken pipeToken) : ForwardOnlyReadStream
    {
        public override int Read(byte[] array, int offset, int count) => Read(array.AsSpan(offset, count));

        public override int Read(Span<byte> destination)
        {
            if (destination.IsEmpty)
            {
                return 0;
            }

            if (!reader.TryRead(out var result))
            {
                var read = reader.ReadAsync(pipeToken);
                result = read.IsCompleted ? read.Result : read.AsTask().GetAwaiter().GetResult();
            }

            return CopyOut(result, destination);
        }

        public override Task<int> ReadAsync(byte[] array, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(array.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (destination.IsEmpty)
            {
                return 0;
            }

            using var both = Link(pipeToken, cancellationToken);
            var result = await reader.ReadAsync(both?.Token ?? pipeToken).ConfigureAwait(false);
            return CopyOut(result, destination.Span);
        }

        // Copies what fits and gives the rest back to the pipe; 0 once the producer completed and everything was read.
        private int CopyOut(ReadResult result, Span<byte> destination)
        {
            var buffer = result.Buffer;
            var count = (int)Math.Min(destination.Length, buffer.Length);
            var taken = buffer.Slice(0, count);
            taken.CopyTo(destination);
            reader.AdvanceTo(taken.End);
            return count;
        }
    }
}
