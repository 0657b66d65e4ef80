using System.Text;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class LineAssemblerTests
{
    [Test]
    public void Append_LineSplitMidLineAndMidUtf8Sequence_EmittedOnceWhole()
    {
        // Arrange: "é" is C3 A9 and "€" is E2 82 AC; cut between every byte.
        var assembler = new LineAssembler(64);
        var lines = new List<FollowedLine>();
        var bytes = Encoding.UTF8.GetBytes("STATUS: é€\r\nnext\n");

        // Act
        foreach (var b in bytes)
        {
            assembler.Append([b], lines);
        }

        // Assert
        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine("STATUS: é€"), new FollowedLine("next") }));
        Assert.That(assembler.Pending, Is.Zero);
    }

    [Test]
    public void Append_IncompleteLastLine_HeldBack()
    {
        var assembler = new LineAssembler(64);
        var lines = new List<FollowedLine>();

        assembler.Append("one\ntw"u8, lines);

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine("one") }));
        Assert.That(assembler.Pending, Is.EqualTo(2));
    }

    [Test]
    public void Append_LineOfExactlyMaxBytesWithCrLf_NotTruncated()
    {
        var assembler = new LineAssembler(16);
        var lines = new List<FollowedLine>();

        assembler.Append(Encoding.ASCII.GetBytes(new string('a', 16) + "\r\n"), lines);

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine(new string('a', 16)) }));
    }

    [TestCase(17)]
    [TestCase(18)]
    [TestCase(1000)]
    public void Append_LongerLine_CutFlaggedAndRestDiscarded(int length)
    {
        var assembler = new LineAssembler(16);
        var lines = new List<FollowedLine>();
        var data = Encoding.ASCII.GetBytes(new string('a', length) + "\nafter\n");

        // Fed in small pieces so that the cut happens without the newline in sight.
        foreach (var piece in data.Chunk(5))
        {
            assembler.Append(piece, lines);
        }

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine(new string('a', 16), Truncated: true), new FollowedLine("after") }));
    }

    [Test]
    public void Append_CutInsideMultiByteSequence_PartialSequenceDroppedNotFlaggedInvalid()
    {
        // Arrange: 15 ASCII bytes then "€" (3 bytes): the 16-byte cut keeps only its lead byte.
        var assembler = new LineAssembler(16);
        var lines = new List<FollowedLine>();

        // Act
        assembler.Append(Encoding.UTF8.GetBytes(new string('a', 15) + "€€€\n"), lines);

        // Assert
        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine(new string('a', 15), Truncated: true, InvalidUtf8: false) }));
    }

    [Test]
    public void Append_InvalidBytes_ReplacedAndFlagged()
    {
        var assembler = new LineAssembler(64);
        var lines = new List<FollowedLine>();

        assembler.Append([0x61, 0xFF, 0x62, 0xC3, (byte)'\n'], lines);

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine("a\uFFFDb\uFFFD", InvalidUtf8: true) }));
    }

    [Test]
    public void Append_CutLineEndingInInvalidLeadByte_FlaggedInvalid()
    {
        var assembler = new LineAssembler(16);
        var lines = new List<FollowedLine>();
        var data = Encoding.ASCII.GetBytes(new string('a', 15)).Concat(new byte[] { 0xFF, 0x62, 0x63, (byte)'\n' }).ToArray();

        assembler.Append(data, lines);

        Assert.That(lines.Single().InvalidUtf8, Is.True);
        Assert.That(lines.Single().Truncated, Is.True);
    }

    [Test]
    public void Flush_PendingBytes_EmittedAsLine()
    {
        var assembler = new LineAssembler(64);
        var lines = new List<FollowedLine>();
        assembler.Append("partial"u8, lines);

        assembler.Flush(lines);
        assembler.Flush(lines);

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine("partial") }));
        Assert.That(assembler.Pending, Is.Zero);
    }

    [Test]
    public void Flush_WhileDiscardingACutLine_NextBytesStartANewLine()
    {
        var assembler = new LineAssembler(16);
        var lines = new List<FollowedLine>();
        assembler.Append(Encoding.ASCII.GetBytes(new string('a', 40)), lines);

        assembler.Flush(lines);
        assembler.Append("fresh\n"u8, lines);

        Assert.That(lines, Is.EqualTo(new[] { new FollowedLine(new string('a', 16), Truncated: true), new FollowedLine("fresh") }));
    }
}
