using System.Globalization;
using System.Text.RegularExpressions;
using Opencode.Sessions.Protocol;

namespace Opencode.Sessions.Tests.Protocol;

[TestFixture]
public sealed class LogLineParserTests
{
    // The grammar of lifecycle.md §4.1, used as an oracle.
    private static readonly Regex Status = new(@"^STATUS:\s*(?:(\d{1,3})%\s+)?(.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex DeliverableRx = new(@"^DELIVERABLE:\s*(.+?)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Done = new(@"^DONE(?::\s*(.*))?\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex Error = new(@"^ERROR(?::\s*(.*))?\s*$", RegexOptions.CultureInvariant);

    private static IEnumerable<TestCaseData> SpecCases()
    {
        // STATUS
        yield return Case("STATUS: 150% x", new StatusLine(100, "x"));
        yield return Case("STATUS: 50%", new StatusLine(null, "50%"));
        yield return Case("STATUS:", new StatusLine(null, ""));
        yield return Case("STATUS:   ", new StatusLine(null, ""));
        yield return Case("STATUS: 10% starting", new StatusLine(10, "starting"));
        yield return Case("STATUS: 100% finished", new StatusLine(100, "finished"));
        yield return Case("STATUS:42% tight", new StatusLine(42, "tight"));
        yield return Case("STATUS: 007%   padded  ", new StatusLine(7, "padded"));
        yield return Case("STATUS: 0% zero", new StatusLine(0, "zero"));
        yield return Case("STATUS: 999% big", new StatusLine(100, "big"));
        yield return Case("STATUS: 1000% x", new StatusLine(null, "1000% x"));
        yield return Case("STATUS: 50%x", new StatusLine(null, "50%x"));
        yield return Case("STATUS: working on it", new StatusLine(null, "working on it"));
        yield return Case("STATUS: DONE", new StatusLine(null, "DONE"));
        yield return Case("STATUS: 5%\tTab", new StatusLine(5, "Tab"));
        yield return Case("STATUS: ٥٠% arabic digits", new StatusLine(50, "arabic digits"));
        yield return Case("status: 10% x", new UnknownLine("status: 10% x"));
        yield return Case("STATUS 10% x", new UnknownLine("STATUS 10% x"));

        // DELIVERABLE
        yield return Case("DELIVERABLE: ./x   ", new DeliverableLine("./x"));
        yield return Case("DELIVERABLE: deliverables/out.txt", new DeliverableLine("deliverables/out.txt"));
        yield return Case("DELIVERABLE:deliverables/a b.txt", new DeliverableLine("deliverables/a b.txt"));
        yield return Case("DELIVERABLE:", new UnknownLine("DELIVERABLE:"));
        yield return Case("DELIVERABLE:    ", new UnknownLine("DELIVERABLE:"));
        yield return Case("DELIVERABLE /x", new UnknownLine("DELIVERABLE /x"));

        // DONE
        yield return Case("DONE", new DoneLine(null));
        yield return Case("DONE:", new DoneLine(null));
        yield return Case("DONE:   ", new DoneLine(null));
        yield return Case("DONE   ", new DoneLine(null));
        yield return Case("DONE: all good", new DoneLine("all good"));
        yield return Case("DONE:all good  ", new DoneLine("all good"));
        yield return Case("DONE now", new UnknownLine("DONE now"));
        yield return Case("DONEX", new UnknownLine("DONEX"));
        yield return Case("done", new UnknownLine("done"));
        yield return Case(" DONE", new UnknownLine(" DONE"));
        yield return Case("DONE : x", new UnknownLine("DONE : x"));

        // ERROR
        yield return Case("ERROR", new ErrorLine(null));
        yield return Case("ERROR:", new ErrorLine(null));
        yield return Case("ERROR: auth failed", new ErrorLine("auth failed"));
        yield return Case("ERROR now", new UnknownLine("ERROR now"));
        yield return Case("ERRORS", new UnknownLine("ERRORS"));
        yield return Case("error: x", new UnknownLine("error: x"));

        // Unknown
        yield return Case("", new UnknownLine(""));
        yield return Case("   ", new UnknownLine(""));
        yield return Case("  hello  ", new UnknownLine("  hello"));
        yield return Case("just text\r", new UnknownLine("just text"));
    }

    private static IEnumerable<string> OracleInputs()
    {
        string[] keywords = ["STATUS:", "DELIVERABLE:", "DONE", "DONE:", "ERROR", "ERROR:", "DONEX", " DONE", ""];
        string[] tails =
        [
            "", " ", "x", " x ", " 50%", " 50% ", " 50% x", "50%x", " 1000% y", " 12%\t\tz", "\u00a0a\u00a0",
            " a\nb", "\n", " a\n", " \nb", ": x", " now", "\r", " 3% \n m", " 4%\n",
        ];
        foreach (var keyword in keywords)
        {
            foreach (var tail in tails)
            {
                yield return keyword + tail;
            }
        }
    }

    [TestCaseSource(nameof(SpecCases))]
    public void Parse_SpecEdgeCase_MatchesGrammar(string line, LogLine expected)
    {
        Assert.That(LogLineParser.Parse(line), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(OracleInputs))]
    public void Parse_AnyInput_AgreesWithSpecRegularExpressions(string line)
    {
        Assert.That(LogLineParser.Parse(line), Is.EqualTo(ParseWithRegexes(line)));
    }

    [Test]
    public void Parse_MegabytesOfInnerWhitespace_IsLinear()
    {
        // Arrange: the lazy DELIVERABLE expression would be quadratic on this.
        var line = "DELIVERABLE: a" + new string(' ', 4_000_000) + "b";

        // Act
        var parsed = LogLineParser.Parse(line);

        // Assert
        Assert.That(parsed, Is.TypeOf<DeliverableLine>());
        Assert.That(((DeliverableLine)parsed).Path, Has.Length.EqualTo(4_000_002));
    }

    [Test]
    public void Parse_Null_Throws()
    {
        Assert.That(() => LogLineParser.Parse(null!), Throws.ArgumentNullException);
    }

    private static TestCaseData Case(string line, LogLine expected) =>
        new TestCaseData(line, expected).SetArgDisplayNames(Visible(line));

    private static string Visible(string text) =>
        "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";

    /// <summary>The spec's regular expressions, then every captured part with its control characters escaped (AgentText).</summary>
    private static LogLine ParseWithRegexes(string line) => ParseWithRegexesRaw(line) switch
    {
        StatusLine s => s with { Message = AgentText.Neutralise(s.Message) },
        DeliverableLine d => d with { Path = AgentText.Neutralise(d.Path) },
        DoneLine { Summary: { } m } d => d with { Summary = AgentText.Neutralise(m) },
        ErrorLine { Message: { } m } e => e with { Message = AgentText.Neutralise(m) },
        UnknownLine u => u with { Text = AgentText.Neutralise(u.Text) },
        var other => other,
    };

    private static LogLine ParseWithRegexesRaw(string line)
    {
        var text = line.TrimEnd();
        if (Status.Match(text) is { Success: true } s)
        {
            int? percent = s.Groups[1].Success
                ? Math.Min(int.Parse(string.Concat(s.Groups[1].Value.Select(c => (char)('0' + (int)char.GetNumericValue(c)))), CultureInfo.InvariantCulture), 100)
                : null;
            return new StatusLine(percent, s.Groups[2].Value);
        }

        if (DeliverableRx.Match(text) is { Success: true } d)
        {
            return new DeliverableLine(d.Groups[1].Value);
        }

        if (Done.Match(text) is { Success: true } done)
        {
            return new DoneLine(string.IsNullOrEmpty(done.Groups[1].Value) ? null : done.Groups[1].Value);
        }

        if (Error.Match(text) is { Success: true } e)
        {
            return new ErrorLine(string.IsNullOrEmpty(e.Groups[1].Value) ? null : e.Groups[1].Value);
        }

        return new UnknownLine(text);
    }
}
