using System.Text;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class SseEventFeedTests
{
    private static async Task<List<string>> ParseAsync(params byte[][] chunks)
    {
        await using var feed = new SseEventFeed(1024 * 1024);
        var events = new List<string>();
        foreach (var chunk in chunks)
        {
            await feed.FeedAsync(chunk, events);
        }

        return events;
    }

    private static Task<List<string>> ParseAsync(string text) => ParseAsync(Encoding.UTF8.GetBytes(text));

    [TestCase("data: {\"a\":1}\n\n")]
    [TestCase("data: {\"a\":1}\r\n\r\n")]
    [TestCase("data: {\"a\":1}\r\r")]
    [TestCase("data: {\"a\":1}\r\n\n")]
    [TestCase("data:{\"a\":1}\n\n")]
    [TestCase(": keepalive\nevent: message\nid: 7\ndata: {\"a\":1}\nretry: 10\n\n")]
    public async Task FeedAsync_LineEndingAndFieldVariants_YieldsTheData(string stream)
    {
        Assert.That(await ParseAsync(stream), Is.EqualTo(new[] { "{\"a\":1}" }));
    }

    [Test]
    public async Task FeedAsync_MultiLineData_JoinsWithNewline()
    {
        Assert.That(await ParseAsync("data: {\"a\":\ndata:  1}\n\n"), Is.EqualTo(new[] { "{\"a\":\n 1}" }));
    }

    [Test]
    public async Task FeedAsync_CommentOnlyAndEmptyDataEvents_AreNotDispatched()
    {
        Assert.That(await ParseAsync(": ping\n\ndata:\n\nevent: x\n\n"), Is.Empty);
    }

    [Test]
    public async Task FeedAsync_IncompleteEvent_IsNotDispatchedUntilBlankLine()
    {
        await using var feed = new SseEventFeed(1024);
        var events = new List<string>();
        await feed.FeedAsync("data: 1\n"u8.ToArray(), events);
        Assert.That(events, Is.Empty);
        await feed.FeedAsync("\n"u8.ToArray(), events);
        Assert.That(events, Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public async Task FeedAsync_CrLfSplitAcrossChunks_CountsAsOneTerminator()
    {
        // "\r" ends chunk 1 and "\n" starts chunk 2: one line end, then the blank line "\r\n" ends the event.
        Assert.That(await ParseAsync("data: 1\r"u8.ToArray(), "\n\r"u8.ToArray(), "\ndata: 2\n\n"u8.ToArray()), Is.EqualTo(new[] { "1", "2" }));
    }

    [Test]
    public async Task FeedAsync_BomAndEveryByteInItsOwnChunk_YieldsUtf8Data()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("data: {\"t\":\"héllo ✓\"}\r\n\r\ndata: 2\n\n")).ToArray();

        var events = await ParseAsync(bytes.Select(b => new[] { b }).ToArray());

        Assert.That(events, Is.EqualTo(new[] { "{\"t\":\"héllo ✓\"}", "2" }));
    }

    [Test]
    public async Task FeedAsync_BomAfterStreamStart_IsNotStripped()
    {
        var bytes = Encoding.UTF8.GetBytes("data: 1\n\n").Concat(new byte[] { 0xEF, 0xBB, 0xBF }).Concat(Encoding.UTF8.GetBytes("data: 2\n\n")).ToArray();

        Assert.That(await ParseAsync(bytes), Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public async Task FeedAsync_BufferReusedBetweenChunks_EventsAreNotCorrupted()
    {
        await using var feed = new SseEventFeed(1024);
        var events = new List<string>();
        var buffer = new byte[4];
        foreach (var chunk in Encoding.ASCII.GetBytes("data: abc\n\ndata: def\n\n").Chunk(4))
        {
            chunk.CopyTo(buffer, 0);
            await feed.FeedAsync(buffer.AsMemory(0, chunk.Length), events);
            Array.Fill(buffer, (byte)'!');
        }

        Assert.That(events, Is.EqualTo(new[] { "abc", "def" }));
    }

    [Test]
    public async Task FeedAsync_EventLargerThanLimitWithoutBoundary_ThrowsServerException()
    {
        await using var feed = new SseEventFeed(1024);
        var events = new List<string>();

        var error = await Assert.ThrowsAsync<OpencodeServerException>(async () => await feed.FeedAsync(Encoding.ASCII.GetBytes("data: " + new string('x', 2000)), events));

        Assert.That(error!.Message, Does.Contain("1024 bytes"));
    }

    [Test]
    public async Task FeedAsync_EventOfManyShortLinesPastLimit_ThrowsServerException()
    {
        await using var feed = new SseEventFeed(1024);
        var events = new List<string>();
        var line = Encoding.ASCII.GetBytes("data: " + new string('x', 94) + "\r\n");

        await Assert.ThrowsAsync<OpencodeServerException>(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await feed.FeedAsync(line, events);
            }
        });
        Assert.That(events, Is.Empty);
    }

    [Test]
    public async Task FeedAsync_ManyEventsTogetherLargerThanLimit_IsFine()
    {
        await using var feed = new SseEventFeed(1024);
        var events = new List<string>();
        var text = string.Concat(Enumerable.Repeat("data: " + new string('x', 500) + "\r\n\r\n", 10));

        await feed.FeedAsync(Encoding.ASCII.GetBytes(text), events);

        Assert.That(events, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task DisposeAsync_WithAnUnfinishedEvent_DropsItAndRefusesMoreInput()
    {
        var feed = new SseEventFeed(1024);
        var events = new List<string>();
        await feed.FeedAsync("data: 1\n"u8.ToArray(), events);

        await feed.DisposeAsync();
        await feed.DisposeAsync();

        Assert.That(events, Is.Empty);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await feed.FeedAsync("\n"u8.ToArray(), events));
    }
}
