using System.Text;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Protocol;

/// <summary>The deliverable fetch loop: one consumer, strictly sequential, in log order (lifecycle §4.4).</summary>
internal sealed partial class ProtocolDriver
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private async Task FetchLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    await FetchAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by DisposeAsync or a cancelled drain: what is still queued is dropped.
        }
    }

    private async Task FetchAsync(QueuedDeliverable item, CancellationToken cancellationToken)
    {
        var rel = item.RelativePath;
        ArraySegment<byte> bytes;
        try
        {
            var content = await ReadCappedAsync(DeliverablePathValidator.DeliverablesDirectoryName + "/" + rel, cancellationToken).ConfigureAwait(false);
            if (content is null)
            {
                Log.DeliverableTooLarge(_logger, rel, _options.MaxDeliverableBytes);
                Report(null, $"Deliverable {rel}: larger than {_options.MaxDeliverableBytes} bytes, skipping callback");
                return;
            }

            bytes = content.Value;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (UnsafeWorkdirPathException ex) when (ex.Reason != UnsafeWorkdirPathReason.NotFound)
        {
            // Opened beneath the work directory by descriptor: a link, FIFO, device, directory or hard link is refused
            // before a byte is read (and without blocking).
            Log.DeliverableRefused(_logger, rel, ex.Reason);
            Report(null, $"Deliverable {rel}: refused, {UnsafeWorkdirPathException.Describe(ex.Reason)}; skipping");
            return;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnsafeWorkdirPathException)
        {
            Log.DeliverableNotFound(_logger, rel, item.HostPath);
            Report(null, $"Deliverable {rel}: not found");
            return;
        }
        catch (Exception ex)
        {
            Log.DeliverableFetchFailed(_logger, rel, item.HostPath, ex);
            Report(null, $"Deliverable {rel}: fetch failed: {ex.Message}, skipping");
            return;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            Log.DeliverableNotUtf8(_logger, rel);
            Report(null, $"Deliverable {rel}: not valid UTF-8, skipping callback");
            return;
        }

        if (_onDeliverable is not null)
        {
            await InvokeCallbackAsync(_onDeliverable, new Deliverable(rel, item.HostPath, text), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task InvokeCallbackAsync(DeliverableHandler handler, Deliverable deliverable, CancellationToken cancellationToken)
    {
        Task callback;
        try
        {
            callback = handler(_hookContext, deliverable, cancellationToken) ?? Task.CompletedTask;
        }
        catch (Exception ex)
        {
            // A callback that throws before returning its task.
            callback = Task.FromException(ex);
        }

        try
        {
            // WaitAsync: a callback that ignores its token cannot hold the fetch loop (and disposal) hostage.
            await callback.WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.DeliverableDelivered(_logger, deliverable.RelativePath, deliverable.Text.Length);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!callback.IsCompleted)
            {
                Log.CallbackAbandoned(_logger, deliverable.RelativePath);
                _ = callback.ContinueWith(
                    static (task, state) => Log.AbandonedCallbackFailed((Microsoft.Extensions.Logging.ILogger)state!, task.Exception!),
                    _logger,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            throw;
        }
        catch (Exception ex)
        {
            Log.DeliverableCallbackFailed(_logger, deliverable.RelativePath, ex);
            Report(null, $"OnDeliverable callback raised: {ex.Message}");
        }
    }

    /// <summary>Reads a whole work-directory file by descriptor, or returns <see langword="null"/> once it exceeds the size cap.</summary>
    private async Task<ArraySegment<byte>?> ReadCappedAsync(string workdirRelativePath, CancellationToken cancellationToken)
    {
        var stream = await _host.OpenWorkdirFileAsync(workdirRelativePath, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var content = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (content.Length + read > _options.MaxDeliverableBytes)
                {
                    return null;
                }

                content.Write(buffer, 0, read);
            }

            return content.TryGetBuffer(out var segment) ? segment : content.ToArray();
        }
    }
}
