using Opencode.Sessions.Launching;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OutputRingBufferTests
{
    [Test]
    public void Tail_FewerLinesThanCapacity_ReturnsAllOldestFirst()
    {
        var buffer = new OutputRingBuffer(5);
        buffer.Add("a");
        buffer.Add("b");

        Assert.That(buffer.Tail(10), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(buffer.Tail(1), Is.EqualTo(new[] { "b" }));
        Assert.That(buffer.Tail(0), Is.Empty);
    }

    [Test]
    public void Add_PastCapacity_DropsOldest()
    {
        var buffer = new OutputRingBuffer(3);
        foreach (var line in new[] { "1", "2", "3", "4", "5" })
        {
            buffer.Add(line);
        }

        Assert.That(buffer.Tail(3), Is.EqualTo(new[] { "3", "4", "5" }));
        Assert.That(buffer.Tail(2), Is.EqualTo(new[] { "4", "5" }));
    }

    [Test]
    public void Constructor_ZeroCapacity_Throws()
    {
        Assert.That(() => new OutputRingBuffer(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
