using System.Formats.Tar;
using System.IO.Compression;

namespace Opencode.Sessions.Tests.Security;

/// <summary>Builds a tar.gz holding one file of zeros: a compression bomb (1 GiB of zeros packs into about 1 MiB).</summary>
internal static class ZeroBomb
{
    public static byte[] Build(string name, long length, CompressionLevel level = CompressionLevel.SmallestSize)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, level, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new ZeroStream(length), Mode = (UnixFileMode)0x1A4 });
        }

        return buffer.ToArray();
    }

    /// <summary>A readable stream of <c>length</c> zero bytes with a known length (TarWriter needs one).</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get; set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - Position);
            Array.Clear(buffer, offset, n);
            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
