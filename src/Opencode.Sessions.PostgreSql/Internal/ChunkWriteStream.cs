using System.Buffers;
using Npgsql;
using NpgsqlTypes;

namespace Opencode.Sessions.PostgreSql.Internal;

/// <summary>
/// A write-only stream that stores what it is given as numbered chunk rows of one blob, inserted through the save's
/// connection and transaction as soon as a chunk is full. It buffers at most one chunk.
/// </summary>
internal sealed class ChunkWriteStream : Stream
{
    private readonly NpgsqlCommand _insert;
    private readonly NpgsqlParameter<int> _seq;
    private readonly NpgsqlParameter<ReadOnlyMemory<byte>> _data;
    private byte[]? _buffer;
    private int _filled;

    private ChunkWriteStream(NpgsqlCommand insert, NpgsqlParameter<int> seq, NpgsqlParameter<ReadOnlyMemory<byte>> data, int chunkSize)
    {
        _insert = insert;
        _seq = seq;
        _data = data;
        _buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        ChunkSize = chunkSize;
    }

    /// <summary>Gets the chunk size in bytes.</summary>
    public int ChunkSize { get; }

    /// <summary>Gets how many bytes were written.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Gets how many chunk rows were inserted.</summary>
    public int ChunkCount { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _buffer is not null;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Creates a stream for a new blob, with its insert statement prepared on the save's connection.</summary>
    public static async Task<ChunkWriteStream> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SnapshotSql sql, Guid blobId, int chunkSize, CancellationToken cancellationToken)
    {
        var insert = new NpgsqlCommand(sql.InsertChunk, connection, transaction);
        try
        {
            var seq = new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer };
            var data = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
            insert.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = blobId });
            insert.Parameters.Add(seq);
            insert.Parameters.Add(data);
            await insert.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return new ChunkWriteStream(insert, seq, data, chunkSize);
        }
        catch
        {
            await insert.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Inserts the last, partial chunk (if any).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            await InsertChunkAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Append(buffer);
            buffer = buffer[taken..];
            if (_filled == ChunkSize)
            {
                // A synchronous write (GZipStream.Dispose, say) gets synchronous database I/O, never sync-over-async.
                PrepareChunk();
                _insert.ExecuteNonQuery();
                ChunkInserted();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Append(buffer.Span);
            buffer = buffer[taken..];
            if (_filled == ChunkSize)
            {
                await InsertChunkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override void Flush()
    {
        // Chunks are inserted when full and at completion; a chunk is never split by a flush.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _insert.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Append(ReadOnlySpan<byte> source)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        var taken = Math.Min(source.Length, ChunkSize - _filled);
        source[..taken].CopyTo(_buffer.AsSpan(_filled));
        _filled += taken;
        BytesWritten += taken;
        return taken;
    }

    private async Task InsertChunkAsync(CancellationToken cancellationToken)
    {
        PrepareChunk();
        await _insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        ChunkInserted();
    }

    private void PrepareChunk()
    {
        _seq.TypedValue = ChunkCount;
        _data.TypedValue = _buffer.AsMemory(0, _filled);
    }

    private void ChunkInserted()
    {
        ChunkCount++;
        _filled = 0;
        _data.TypedValue = ReadOnlyMemory<byte>.Empty;
    }
}
