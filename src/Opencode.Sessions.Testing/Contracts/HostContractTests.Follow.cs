using NUnit.Framework;
using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Testing.Contracts;

/// <content>Following a file like <c>tail -F -n +1</c>.</content>
public abstract partial class HostContractTests
{
    /// <summary>How long an incomplete line must stay held back.</summary>
    private static readonly TimeSpan HoldBack = TimeSpan.FromMilliseconds(500);

    /// <summary>Existing lines come first, appended ones follow, CR LF loses its CR, and a partial line waits for its newline.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Follow_YieldsExistingThenAppendedLines_AndHoldsBackAPartialLine()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/progress 'log'.log";
        await AppendAsync(path, "first\r\nsecond\n", timeout.Token).ConfigureAwait(false);
        var lines = Host.FollowFileAsync(path, timeout.Token).GetAsyncEnumerator(timeout.Token);
        await using (lines.ConfigureAwait(false))
        {
            Assert.That(await NextLineAsync(lines).ConfigureAwait(false), Is.EqualTo("first"));
            Assert.That(await NextLineAsync(lines).ConfigureAwait(false), Is.EqualTo("second"));

            await AppendAsync(path, "thi", timeout.Token).ConfigureAwait(false);
            var third = NextLineAsync(lines);
            await Task.Delay(HoldBack, timeout.Token).ConfigureAwait(false);
            Assert.That(third.IsCompleted, Is.False, "an incomplete line was delivered before its newline");

            await AppendAsync(path, "rd ✓\nfourth\n", timeout.Token).ConfigureAwait(false);
            Assert.That(await third.ConfigureAwait(false), Is.EqualTo("third ✓"));
            Assert.That(await NextLineAsync(lines).ConfigureAwait(false), Is.EqualTo("fourth"));
        }
    }

    /// <summary>A file that does not exist yet is waited for and followed from its first byte.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Follow_FileCreatedLater_IsPickedUp()
    {
        using var timeout = Timeout();
        var path = Host.WorkDirectory + "/later.log";
        var lines = Host.FollowFileAsync(path, timeout.Token).GetAsyncEnumerator(timeout.Token);
        await using (lines.ConfigureAwait(false))
        {
            var first = NextLineAsync(lines);
            await Task.Delay(HoldBack, timeout.Token).ConfigureAwait(false);

            await WriteTextAsync(path, "hello\nworld\n", timeout.Token).ConfigureAwait(false);

            Assert.That(await first.ConfigureAwait(false), Is.EqualTo("hello"));
            Assert.That(await NextLineAsync(lines).ConfigureAwait(false), Is.EqualTo("world"));
        }
    }

    /// <summary>Cancelling the token ends a waiting enumeration with <see cref="OperationCanceledException"/>.</summary>
    /// <returns>A task that completes when the case is done.</returns>
    [Test]
    public async Task Follow_Cancelled_EndsTheEnumeration()
    {
        using var timeout = Timeout();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var path = Host.WorkDirectory + "/cancel.log";
        await AppendAsync(path, "a\n", timeout.Token).ConfigureAwait(false);
        var lines = Host.FollowFileAsync(path, cancel.Token).GetAsyncEnumerator(cancel.Token);
        await using (lines.ConfigureAwait(false))
        {
            Assert.That(await NextLineAsync(lines).ConfigureAwait(false), Is.EqualTo("a"));
            var next = NextLineAsync(lines);

            await cancel.CancelAsync().ConfigureAwait(false);

            Assert.That(async () => await next.WaitAsync(timeout.Token).ConfigureAwait(false), Throws.InstanceOf<OperationCanceledException>());
        }
    }

    private static async Task<string> NextLineAsync(IAsyncEnumerator<FollowedLine> lines) =>
        await lines.MoveNextAsync().ConfigureAwait(false) ? lines.Current.Text : throw new InvalidOperationException("The follower ended.");
}
