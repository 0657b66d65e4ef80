using System.Text;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Internal;

public sealed class SseParserTests
{
    private static List<string> Parse(params byte[][] chunks)
    {
        var parser = new SseParser(1024 * 1024);
        var events = new List<string>();
        foreach (var chunk in chunks)
        {
            parser.Feed(chunk, events);
        }

        return events;
    }

    private static List<string> Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    [TestCase("data: {\"a\":1}\n\n")]
    [TestCase("data: {\"a\":1}\r\n\r\n")]
    [TestCase("data: {\"a\":1}\r\r")]
    [TestCase("data: {\"a\":1}\r\n\n")]
    [TestCase("data:{\"a\":1}\n\n")]
    [TestCase(": keepalive\nevent: message\nid: 7\ndata: {\"a\":1}\nretry: 10\n\n")]
    public void Feed_LineEndingAndFieldVariants_YieldsTheData(string stream)
    {
        Assert.That(Parse(stream), Is.EqualTo(new[] { "{\"a\":1}" }));
    }

    [Test]
    public void Feed_MultiLineData_JoinsWithNewline()
    {
        Assert.That(Parse("data: {\"a\":\ndata:  1}\n\n"), Is.EqualTo(new[] { "{\"a\":\n 1}" }));
    }

    [Test]
    public void Feed_CommentOnlyAndEmptyDataEvents_AreNotDispatched()
    {
        Assert.That(Parse(": ping\n\ndata:\n\nevent: x\n\n"), Is.Empty);
    }

    [Test]
    public void Feed_IncompleteEvent_IsNotDispatchedUntilBlankLine()
    {
        var parser = new SseParser(1024);
        var events = new List<string>();
        parser.Feed("data: 1\n"u8, events);
        Assert.That(events, Is.Empty);
        parser.Feed("\n"u8, events);
        Assert.That(events, Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public void Feed_CrLfSplitAcrossChunks_CountsAsOneTerminator()
    {
        // "\r" ends chunk 1 and "\n" starts chunk 2: one line end, then the blank line "\r\n" ends the event.
        Assert.That(Parse("data: 1\r"u8.ToArray(), "\n\r"u8.ToArray(), "\ndata: 2\n\n"u8.ToArray()), Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public void Feed_BomAndEveryByteInItsOwnChunk_YieldsUtf8Data()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("data: {\"t\":\"héllo ✓\"}\r\n\r\ndata: 2\n\n")).ToArray();

        var events = Parse(bytes.Select(b => new[] { b }).ToArray());

        Assert.That(events, Is.EqualTo(new[] { "{\"t\":\"héllo ✓\"}", "2" }));
    }

    [Test]
    public void Feed_BomAfterStreamStart_IsNotStripped()
    {
        var bytes = Encoding.UTF8.GetBytes("data: 1\n\n").Concat(new byte[] { 0xEF, 0xBB, 0xBF }).Concat(Encoding.UTF8.GetBytes("data: 2\n\n")).ToArray();

        Assert.That(Parse(bytes), Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public void Feed_EventLargerThanLimitWithoutBoundary_ThrowsServerException()
    {
        var parser = new SseParser(1024);
        var events = new List<string>();

        var error = Assert.Throws<OpencodeServerException>(() => parser.Feed(Encoding.ASCII.GetBytes("data: " + new string('x', 2000)), events));

        Assert.That(error!.Message, Does.Contain("1024 bytes"));
    }

    [Test]
    public void Feed_ManyEventsTogetherLargerThanLimit_IsFine()
    {
        var parser = new SseParser(1024);
        var events = new List<string>();
        var text = string.Concat(Enumerable.Repeat("data: " + new string('x', 500) + "\n\n", 10));

        parser.Feed(Encoding.ASCII.GetBytes(text), events);

        Assert.That(events, Has.Count.EqualTo(10));
    }
}
