using System.Data;
using Npgsql;
using NpgsqlTypes;
using Opencode.Sessions.Snapshots;

namespace Opencode.Sessions.PostgreSql.Internal;

/// <summary>
/// A read-only stream over the chunk rows of one blob, read row by row (<see cref="CommandBehavior.SequentialAccess"/>)
/// inside a REPEATABLE READ transaction that also read the blob's header, so a concurrent prune cannot tear it. It owns
/// the connection, and checks the chunk numbers and the total length against the header.
/// </summary>
internal sealed class ChunkReadStream : Stream
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly NpgsqlCommand _command;
    private readonly NpgsqlDataReader _reader;
    private readonly string _description;
    private readonly long _expectedLength;
    private readonly int _expectedChunks;
    private Stream? _chunk;
    private int _chunksRead;
    private long _position;
    private bool _ended;
    private bool _disposed;

    private ChunkReadStream(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlCommand command, NpgsqlDataReader reader, long expectedLength, int expectedChunks, string description)
    {
        _connection = connection;
        _transaction = transaction;
        _command = command;
        _reader = reader;
        _expectedLength = expectedLength;
        _expectedChunks = expectedChunks;
        _description = description;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Opens the blob: <see langword="null"/> when no blob with this id belongs to the process. The connection stays
    /// open (and pooled connections stay taken) until the stream is disposed.
    /// </summary>
    public static async Task<ChunkReadStream?> OpenAsync(
        NpgsqlDataSource dataSource, SnapshotSql sql, Guid blobId, string processId, string description, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlTransaction? transaction = null;
        NpgsqlCommand? command = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            long length;
            int chunks;
            await using (var header = new NpgsqlCommand(sql.BlobHeader, connection, transaction))
            {
                header.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = blobId });
                header.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = processId });
                await using var headerReader = await header.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await headerReader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    await DisposeAllAsync(null, null, transaction, connection).ConfigureAwait(false);
                    return null;
                }

                (length, chunks) = (headerReader.GetInt64(0), headerReader.GetInt32(1));
            }

            command = new NpgsqlCommand(sql.BlobChunks, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<Guid> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = blobId });
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken).ConfigureAwait(false);
            return new ChunkReadStream(connection, transaction, command, reader, length, chunks, description);
        }
        catch
        {
            await DisposeAllAsync(null, command, transaction, connection).ConfigureAwait(false);
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty && !_ended)
        {
            if (_chunk is null)
            {
                if (!_reader.Read())
                {
                    End();
                    break;
                }

                CheckSequence(_reader.GetInt32(0));
                _chunk = _reader.GetStream(1);
            }

            var read = _chunk.Read(buffer);
            if (read > 0)
            {
                return Advance(read);
            }

            _chunk.Dispose();
            _chunk = null;
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty && !_ended)
        {
            if (_chunk is null)
            {
                if (!await _reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    End();
                    break;
                }

                CheckSequence(await _reader.GetFieldValueAsync<int>(0, cancellationToken).ConfigureAwait(false));
                _chunk = await _reader.GetStreamAsync(1, cancellationToken).ConfigureAwait(false);
            }

            var read = await _chunk.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                return Advance(read);
            }

            await _chunk.DisposeAsync().ConfigureAwait(false);
            _chunk = null;
        }

        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_chunk is not null)
            {
                await _chunk.DisposeAsync().ConfigureAwait(false);
            }

            await DisposeAllAsync(_reader, _command, _transaction, _connection).ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _chunk?.Dispose();
            _reader.Dispose();
            _command.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }

    private static async ValueTask DisposeAllAsync(NpgsqlDataReader? reader, NpgsqlCommand? command, NpgsqlTransaction? transaction, NpgsqlConnection connection)
    {
        if (reader is not null)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        if (command is not null)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        if (transaction is not null)
        {
            await transaction.DisposeAsync().ConfigureAwait(false); // read-only work: rolling back is the clean end
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private void CheckSequence(int seq)
    {
        if (seq != _chunksRead)
        {
            throw Torn($"chunk {seq} came where chunk {_chunksRead} belongs");
        }

        _chunksRead++;
    }

    private int Advance(int read)
    {
        _position += read;
        if (_position > _expectedLength)
        {
            throw Torn($"it holds more than the {_expectedLength} bytes its header records");
        }

        return read;
    }

    private void End()
    {
        _ended = true;
        if (_position != _expectedLength || _chunksRead != _expectedChunks)
        {
            throw Torn($"it holds {_position} bytes in {_chunksRead} chunks, but its header records {_expectedLength} bytes in {_expectedChunks} chunks");
        }
    }

    private SnapshotException Torn(string problem) => new(
        $"Snapshot blob {_description} is corrupt: {problem}." + Environment.NewLine +
        "Rows of the chunk table were changed outside the store; the snapshot cannot be restored from it.");
}
