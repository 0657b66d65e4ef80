namespace Opencode.Sessions.Hosting;

/// <summary>One complete line read from a followed file.</summary>
/// <param name="Text">The line without its terminator, decoded as UTF-8 with replacement characters.</param>
/// <param name="Truncated">The line was longer than the follower's limit and was cut; the rest was discarded.</param>
/// <param name="InvalidUtf8">The line held bytes that are not valid UTF-8 (they were replaced with U+FFFD).</param>
public readonly record struct FollowedLine(string Text, bool Truncated = false, bool InvalidUtf8 = false);
