using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Conversations;

/// <summary>Selecting a turn's messages and merging their parts with the streamed ones.</summary>
internal static class ExchangeParts
{
    /// <summary>The user text of a message: its text parts joined.</summary>
    public static string UserText(OpencodeMessage message) =>
        string.Concat(message.Parts.Where(p => p.Type == "text").Select(p => p.Text));

    /// <summary>
    /// The assistant messages after the newest user message whose text equals <paramref name="queryText"/>,
    /// searching only at/after <paramref name="fromIndex"/>; else after the newest user message there.
    /// </summary>
    public static IReadOnlyList<OpencodeMessage> CurrentExchange(IReadOnlyList<OpencodeMessage> messages, int fromIndex, string queryText)
    {
        var start = Math.Clamp(fromIndex, 0, messages.Count);
        var userIndex = -1;
        for (var i = messages.Count - 1; i >= start; i--)
        {
            if (messages[i].Info.IsUser && string.Equals(UserText(messages[i]).Trim(), queryText.Trim(), StringComparison.Ordinal))
            {
                userIndex = i;
                break;
            }
        }

        if (userIndex < 0)
        {
            for (var i = messages.Count - 1; i >= start; i--)
            {
                if (messages[i].Info.IsUser)
                {
                    userIndex = i;
                    break;
                }
            }
        }

        return userIndex < 0 ? [] : messages.Skip(userIndex + 1).Where(m => m.Info.IsAssistant).ToArray();
    }

    /// <summary>The canonical parts of messages, flattened in order.</summary>
    public static IReadOnlyList<ReplyPart> Flatten(IEnumerable<OpencodeMessage> messages) =>
        messages.SelectMany(m => m.Parts).Select(ReplyPart.FromWire).OfType<ReplyPart>().ToArray();

    /// <summary>
    /// Merges wire parts into the streamed order: stream-only parts keep their slot, every other slot takes the
    /// next wire part, leftover wire parts are appended, surplus streamed parts are dropped.
    /// </summary>
    public static IReadOnlyList<ReplyPart> Merge(IReadOnlyList<ReplyPart> streamed, IReadOnlyList<ReplyPart> wire)
    {
        var merged = new List<ReplyPart>(Math.Max(streamed.Count, wire.Count));
        var next = 0;
        foreach (var part in streamed)
        {
            if (part.IsStreamOnly)
            {
                merged.Add(part.Clone());
            }
            else if (next < wire.Count)
            {
                merged.Add(wire[next++]);
            }
        }

        while (next < wire.Count)
        {
            merged.Add(wire[next++]);
        }

        return merged;
    }

    /// <summary>True when the last assistant message shows more work coming (a tool loop step, or not completed).</summary>
    public static bool ShowsMoreWork(IReadOnlyList<OpencodeMessage> exchange) =>
        exchange.Count > 0 && exchange[^1].Info is var info && (info.Finish == "tool-calls" || info.Time?.Completed is null) && info.Error is null;

    /// <summary>Sums cost and tokens of the exchange's assistant messages.</summary>
    public static (double Cost, OpencodeTokens Tokens) Usage(IReadOnlyList<OpencodeMessage> exchange)
    {
        double cost = 0;
        long input = 0, output = 0, reasoning = 0, read = 0, write = 0;
        foreach (var info in exchange.Select(m => m.Info))
        {
            cost += info.Cost;
            input += info.Tokens?.Input ?? 0;
            output += info.Tokens?.Output ?? 0;
            reasoning += info.Tokens?.Reasoning ?? 0;
            read += info.Tokens?.Cache?.Read ?? 0;
            write += info.Tokens?.Cache?.Write ?? 0;
        }

        return (cost, new OpencodeTokens
        {
            Input = input,
            Output = output,
            Reasoning = reasoning,
            Total = input + output + reasoning,
            Cache = new OpencodeCacheTokens { Read = read, Write = write },
        });
    }
}
