using System.Security.Cryptography;

using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.Tests.Internal;

public sealed class StreamPipeTests
{
    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_LargeProducer_ConsumerGetsEveryByteInOrder(CancellationToken cancellationToken)
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 123);
        using var received = new MemoryStream();

        await StreamPipe.RunAsync(
            async (pipe, token) =>
            {
                for (var offset = 0; offset < data.Length; offset += 7777)
                {
                    await pipe.WriteAsync(data.AsMemory(offset, Math.Min(7777, data.Length - offset)), token);
                }
            },
            (pipe, token) => pipe.CopyToAsync(received, token),
            cancellationToken);

        Assert.That(SHA256.HashData(received.ToArray()), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_ConsumerNotReading_HoldsTheProducerAtTheBound(CancellationToken cancellationToken)
    {
        long written = 0;
        long writtenWhileConsumerWaited = -1;
        const int total = 8 * 1024 * 1024;
        using var received = new MemoryStream();

        await StreamPipe.RunAsync(
            async (pipe, token) =>
            {
                var chunk = new byte[16 * 1024];
                while (Interlocked.Read(ref written) < total)
                {
                    await pipe.WriteAsync(chunk, token);
                    Interlocked.Add(ref written, chunk.Length);
                }
            },
            async (pipe, token) =>
            {
                await Task.Delay(500, token);
                writtenWhileConsumerWaited = Interlocked.Read(ref written);
                await pipe.CopyToAsync(received, token);
            },
            cancellationToken);

        Assert.That(writtenWhileConsumerWaited, Is.InRange(StreamPipe.ChunkSize, (StreamPipe.Capacity + 1) * StreamPipe.ChunkSize), "the producer waited for room");
        Assert.That(received.Length, Is.EqualTo(total), "and went on once the consumer read");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_SynchronousWritesAndReads_Work(CancellationToken cancellationToken)
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        using var received = new MemoryStream();

        await StreamPipe.RunAsync(
            (pipe, _) => { pipe.Write(data); return Task.CompletedTask; },
            (pipe, _) => { pipe.CopyTo(received); return Task.CompletedTask; },
            cancellationToken);

        Assert.That(received.ToArray(), Is.EqualTo(data));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_ProducerFails_RethrowsTheProducersError(CancellationToken cancellationToken)
    {
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => StreamPipe.RunAsync(
            async (pipe, token) =>
            {
                await pipe.WriteAsync(new byte[1000], token);
                throw new InvalidDataException("producer broke");
            },
            async (pipe, token) =>
            {
                // A consumer that wraps read errors must not hide the producer's error.
                try
                {
                    await pipe.CopyToAsync(Stream.Null, token);
                }
                catch (IOException e)
                {
                    throw new InvalidOperationException("consumer saw a broken stream", e);
                }
            },
            cancellationToken));

        Assert.That(ex!.Message, Is.EqualTo("producer broke"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_ConsumerFails_RethrowsTheConsumersErrorAndUnblocksTheProducer(CancellationToken cancellationToken)
    {
        var ex = await Assert.ThrowsAsync<FormatException>(() => StreamPipe.RunAsync(
            async (pipe, token) =>
            {
                while (true)
                {
                    await pipe.WriteAsync(new byte[64 * 1024], token); // would fill the buffer and block forever
                }
            },
            async (pipe, token) =>
            {
                await pipe.ReadExactlyAsync(new byte[10], token);
                throw new FormatException("consumer broke");
            },
            cancellationToken));

        Assert.That(ex!.Message, Is.EqualTo("consumer broke"));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_ConsumerStopsEarly_CompletesWithoutError(CancellationToken cancellationToken)
    {
        var firstBytes = new byte[4];

        await StreamPipe.RunAsync(
            async (pipe, token) =>
            {
                for (var i = 0; i < 100; i++)
                {
                    var chunk = new byte[64 * 1024];
                    Array.Fill(chunk, (byte)(i + 1));
                    await pipe.WriteAsync(chunk, token);
                }
            },
            (pipe, token) => pipe.ReadExactlyAsync(firstBytes, token).AsTask(),
            cancellationToken);

        // Completing at all proves the producer was released when the consumer stopped reading.
        Assert.That(firstBytes, Is.EqualTo(new byte[] { 1, 1, 1, 1 }), "the consumer read the producer's first bytes");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task RunAsync_CallerCancels_ThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var consumerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = StreamPipe.RunAsync(
            async (pipe, token) => await Task.Delay(Timeout.Infinite, token),
            async (pipe, token) =>
            {
                consumerStarted.SetResult();
                await pipe.ReadExactlyAsync(new byte[1], token);
            },
            cancel.Token);
        await consumerStarted.Task;
        await cancel.CancelAsync();

        await Assert.CatchAsync<OperationCanceledException>(() => run);
    }
}
