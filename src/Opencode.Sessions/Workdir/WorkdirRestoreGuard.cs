using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using Opencode.Sessions.Internal;

namespace Opencode.Sessions.Workdir;

/// <summary>
/// A read-only pass-through for a workdir archive (tar.gz) on its way to <see cref="Hosting.IHost.RestoreWorkdirAsync"/>
/// that enforces <see cref="WorkdirRestoreLimits"/> for any host. Every chunk of compressed bytes is first
/// decompressed and parsed by an inspector (declared file sizes, entry count, expansion ratio); the host gets the
/// chunk only once everything in it passed, so a cap is hit before the host writes past it.
/// </summary>
internal sealed class WorkdirRestoreGuard : ForwardOnlyReadStream
{
    private readonly Stream _inner;
    private readonly WorkdirRestoreLimits _limits;
    private readonly InspectorFeed _feed;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _inspector;
    private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;
    private bool _primed;

    public WorkdirRestoreGuard(Stream inner, WorkdirRestoreLimits limits)
    {
        _inner = inner;
        _limits = limits;
        _feed = new InspectorFeed();
        _inspector = Task.Run(() => InspectAsync(_stop.Token));
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0; // not the end of the archive: nothing to hand over
        }

        if (!_primed)
        {
            await WaitForInspectorAsync(cancellationToken).ConfigureAwait(false);
            _primed = true;
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (_feed.InspectorFinished)
        {
            _failure?.Throw();
            return read;
        }

        if (read == 0)
        {
            _feed.Complete();
            await WaitForInspectorAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        _feed.Push(buffer[..read].ToArray());
        await WaitForInspectorAsync(cancellationToken).ConfigureAwait(false);
        return read;
    }

    public override async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _feed.Complete();
        try
        {
            await _inspector.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The host stopped reading (it failed or finished early); the inspector's verdict no longer matters.
        }

        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_inspector.IsCompleted)
        {
            _stop.Cancel();
            _feed.Complete();
        }

        base.Dispose(disposing);
    }

    private async Task WaitForInspectorAsync(CancellationToken cancellationToken)
    {
        await _feed.WaitUntilDrainedAsync(cancellationToken).ConfigureAwait(false);
        _failure?.Throw();
    }

    private async Task InspectAsync(CancellationToken cancellationToken)
    {
        try
        {
            var expanded = new ExpansionCounter(_feed, _limits);
            var gzip = new GZipStream(expanded.Compressed, CompressionMode.Decompress, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                expanded.Attach(gzip);
                var reader = new TarReader(expanded, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    var (entries, declared) = (0L, 0L);
                    var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
                    while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        if (++entries > _limits.MaxEntries)
                        {
                            throw Crossed(nameof(WorkdirRestoreLimits.MaxEntries), $"it holds more than {_limits.MaxEntries.ToString("N0", CultureInfo.InvariantCulture)} entries");
                        }

                        var name = Normalize(entry.Name);
                        var size = entry.EntryType == TarEntryType.HardLink
                            ? sizes.GetValueOrDefault(Normalize(entry.LinkName)) // restored as a copy
                            : entry.Length;
                        sizes[name] = size;
                        declared += size;
                        if (declared > _limits.MaxTotalBytes)
                        {
                            throw Crossed(
                                nameof(WorkdirRestoreLimits.MaxTotalBytes),
                                $"its files add up to more than {_limits.MaxTotalBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (entry '{entry.Name}' declares {size.ToString("N0", CultureInfo.InvariantCulture)} bytes; sparse files count with their full size)");
                        }
                    }
                }

                // Read to the end, so trailing data is inspected too and the gzip checksum is verified.
                var buffer = new byte[16 * 1024];
                while (await expanded.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
        }
        catch (Exception ex)
        {
            _failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _feed.InspectorDone();
        }
    }

    private static string Normalize(string name)
    {
        var trimmed = name.TrimEnd('/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return trimmed;
    }

    private static WorkdirRestoreLimitException Crossed(string limit, string detail) => new(
        limit,
        $"Refused to restore the workdir archive: {detail}, beyond {nameof(WorkdirRestoreLimits)}.{limit}. Nothing past the cap was written." +
        $"{Environment.NewLine}If the snapshot is genuine, raise {nameof(OpencodeTaskConfig)}.{nameof(OpencodeTaskConfig.WorkdirRestoreLimits)}.{limit}; " +
        "otherwise delete the snapshot (or run without resume) to start fresh.");

    /// <summary>Counts compressed bytes (in) and uncompressed bytes (out) and enforces the expansion ratio.</summary>
    private sealed class ExpansionCounter(InspectorFeed feed, WorkdirRestoreLimits limits) : ForwardOnlyReadStream
    {
        private Stream? _decompressed;
        private long _uncompressed;

        public Stream Compressed => feed;

        public void Attach(Stream decompressed) => _decompressed = decompressed;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await _decompressed!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _uncompressed += read;
            if (_uncompressed > WorkdirRestoreLimits.ExpansionRatioGraceBytes && _uncompressed > feed.BytesPushed * limits.MaxExpansionRatio)
            {
                throw Crossed(
                    nameof(WorkdirRestoreLimits.MaxExpansionRatio),
                    $"{feed.BytesPushed.ToString("N0", CultureInfo.InvariantCulture)} compressed bytes expanded to more than {_uncompressed.ToString("N0", CultureInfo.InvariantCulture)} bytes (ratio above {limits.MaxExpansionRatio.ToString(CultureInfo.InvariantCulture)}; a compression bomb or a huge sparse or zero-filled file)");
            }

            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>
    /// The inspector's input: chunks handed over one at a time. <see cref="WaitUntilDrainedAsync"/> returns once the
    /// inspector used up the current chunk and asks for more (so everything decompressible from it was parsed), or ended.
    /// </summary>
    private sealed class InspectorFeed : ForwardOnlyReadStream
    {
        private readonly SemaphoreSlim _dataReady = new(0);
        private readonly SemaphoreSlim _drained = new(0);
        private byte[] _pending = [];
        private int _offset;
        private volatile bool _completed;
        private volatile bool _inspectorFinished;

        public long BytesPushed { get; private set; }

        /// <summary>Gets a value indicating whether the inspector ended (passed or failed); set before the last drain signal.</summary>
        public bool InspectorFinished => _inspectorFinished;

        public void Push(byte[] chunk)
        {
            _pending = chunk;
            _offset = 0;
            BytesPushed += chunk.Length;
            _dataReady.Release();
        }

        public void Complete()
        {
            _completed = true;
            _dataReady.Release();
        }

        public void InspectorDone()
        {
            _inspectorFinished = true;
            _drained.Release();
        }

        public Task WaitUntilDrainedAsync(CancellationToken cancellationToken) =>
            _inspectorFinished ? Task.CompletedTask : _drained.WaitAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset >= _pending.Length)
            {
                if (_completed)
                {
                    return 0;
                }

                _drained.Release();
                await _dataReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var count = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }
    }
}
