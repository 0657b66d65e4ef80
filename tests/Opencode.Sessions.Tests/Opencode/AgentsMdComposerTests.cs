using Opencode.Sessions.Protocol;
using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class AgentsMdComposerTests
{
    private static string Compose(string instructions = "Count to three.", bool supportsResume = true, IReadOnlyList<string>? exclude = null) =>
        AgentsMdComposer.Compose(instructions, supportsResume, exclude);

    [Test]
    public void Compose_Always_StartsWithTitleAndHarnessSentence()
    {
        var text = Compose();

        Assert.That(text, Does.StartWith("# Coordination protocol with the host (Opencode.Sessions)\n\n"));
        Assert.That(text, Does.Contain("coordination harness"));
        Assert.That(text, Does.Contain("for the whole session"));
    }

    [Test]
    public void Compose_Always_DescribesLogChannelWithFourKeywordsAndExamples()
    {
        var text = Compose();

        Assert.That(text, Does.Contain("## Log channel"));
        Assert.That(text, Does.Contain("`./optio.log`"));
        foreach (var keyword in new[] { "`STATUS:`", "`DELIVERABLE:`", "`DONE`", "`ERROR`" })
        {
            Assert.That(text, Does.Contain(keyword), keyword);
        }

        Assert.That(text, Does.Contain("`STATUS: 50% counting my fingers`"));
        Assert.That(text, Does.Contain("`DELIVERABLE: ./deliverables/summary.md`"));
        Assert.That(text, Does.Contain("`DONE: wrote the report`"));
        Assert.That(text, Does.Contain("`ERROR: provider auth failed`"));
    }

    [Test]
    public void Compose_Always_HasBoldTrailingNewlineRuleWithPrintfEchoHeredocAndTailCheck()
    {
        var text = Compose();

        Assert.That(text, Does.Contain("**Every entry must end with a newline character.**"));
        Assert.That(text, Does.Contain("printf 'DONE'"));
        Assert.That(text, Does.Contain("`echo`"));
        Assert.That(text, Does.Contain("heredoc"));
        Assert.That(text, Does.Contain("tail -c 1 ./optio.log"));
        Assert.That(text, Does.Contain("After a `DONE` or `ERROR` line the session ends: write nothing more"));
    }

    [Test]
    public void Compose_Always_DescribesDeliverablesFolderAndWriteOrder()
    {
        var text = Compose();

        Assert.That(text, Does.Contain("## Deliverables"));
        Assert.That(text, Does.Contain("`./deliverables/`"));
        Assert.That(text, Does.Contain("only after the file exists with its final content"));
    }

    [Test]
    public void Compose_Always_SaysNoBrowserCanBeOpened()
    {
        Assert.That(Compose(), Does.Contain("No web browser can be opened here"));
    }

    [Test]
    public void Compose_SupportsResume_HasResumeSectionWithResumeLogDetection()
    {
        var text = Compose(supportsResume: true);

        Assert.That(text, Does.Contain("## Resumes"));
        Assert.That(text, Does.Contain("### Detecting a resume: `resume.log`"));
        Assert.That(text, Does.Contain("`./resume.log`"));
        Assert.That(text, Does.Contain("ISO 8601"));
        Assert.That(text, Does.Contain("The first line is the original launch"));
        Assert.That(text, Does.Contain("At the start of every new user message, read `./resume.log` first"));
        Assert.That(text, Does.Contain("re-create whatever is gone"));
        Assert.That(text, Does.Contain("If a tool call fails unexpectedly, re-check `./resume.log`"));
        Assert.That(text, Does.Contain("Anything outside this directory is lost"));
    }

    [Test]
    public void Compose_NoResumeSupport_OmitsResumeSectionAndResumeLog()
    {
        var text = Compose(supportsResume: false);

        Assert.That(text, Does.Not.Contain("## Resumes"));
        Assert.That(text, Does.Not.Contain("resume.log"));
        Assert.That(text, Does.Not.Contain("No paths are excluded"));
    }

    [Test]
    public void Compose_DefaultExclude_ListsEachDefaultPatternInBackticks()
    {
        var text = Compose(exclude: null);

        Assert.That(text, Does.Contain("Paths matching the snapshot exclude list are **not** kept, even inside this directory: "));
        Assert.That(text, Does.Contain(string.Join(", ", WorkdirExclusions.Defaults.Select(p => "`" + p + "`")) + "."));
        foreach (var pattern in WorkdirExclusions.Defaults)
        {
            Assert.That(text, Does.Contain("`" + pattern + "`"), pattern);
        }

        Assert.That(text, Does.Contain("or a path inside an excluded subdirectory"));
        Assert.That(text, Does.Not.Contain("No paths are excluded"));
    }

    [Test]
    public void Compose_CustomExclude_ListsOnlyTheCustomPatterns()
    {
        var text = Compose(exclude: ["data", "*.bin"]);

        Assert.That(text, Does.Contain("even inside this directory: `data`, `*.bin`."));
        Assert.That(text, Does.Not.Contain("`node_modules`"));
        Assert.That(text, Does.Not.Contain("`.git`"));
    }

    [Test]
    public void Compose_EmptyExclude_SaysNoPathsAreExcludedAndOnlyOutsideStash()
    {
        var text = Compose(exclude: []);

        Assert.That(text, Does.Contain("**No paths are excluded**"));
        Assert.That(text, Does.Contain("everything inside this directory is kept"));
        Assert.That(text, Does.Contain("`/tmp/`"));
        Assert.That(text, Does.Not.Contain("inside an excluded subdirectory"));
        Assert.That(text, Does.Not.Contain("**not** kept"));
    }

    [Test]
    public void Compose_PatternWithBacktick_UsesDoubleBackticks()
    {
        Assert.That(Compose(exclude: ["a`b"]), Does.Contain("even inside this directory: `` a`b ``."));
    }

    [Test]
    public void Compose_Always_HeadingsInOrder()
    {
        var text = Compose();

        var order = new[] { "# Coordination protocol", "## Log channel", "## Deliverables", "## Resumes", "### Detecting a resume", "## Task" }
            .Select(h => text.IndexOf(h, StringComparison.Ordinal)).ToArray();
        Assert.That(order, Has.All.GreaterThanOrEqualTo(0));
        Assert.That(order, Is.Ordered.Ascending);
    }

    [Test]
    public void Compose_Always_TaskFramingAsksForDialogueAndEndsWithSo()
    {
        var text = Compose(instructions: "Count to three.");

        var task = text[text.IndexOf("## Task", StringComparison.Ordinal)..];
        Assert.That(task, Does.Contain("ask questions and dialogue with the human"));
        Assert.That(task, Does.Contain("`STATUS:`"));
        Assert.That(task, Does.EndWith("So:\n\nCount to three.\n"));
    }

    [Test]
    public void Compose_Instructions_AppendedVerbatimAfterFraming()
    {
        const string instructions = "  Line one\n\n  - item `x`\n# Heading";

        var text = Compose(instructions: instructions);

        Assert.That(text, Does.EndWith("So:\n\n" + instructions + "\n"));
    }

    [Test]
    public void Compose_TrailingWhitespace_TrimmedToExactlyOneNewline()
    {
        var text = Compose(instructions: "Do it.  \r\n\n\t \n");

        Assert.That(text, Does.EndWith("So:\n\nDo it.\n"));
        Assert.That(text, Does.Not.EndWith("\n\n"));
    }

    [TestCase("")]
    [TestCase("   \n\n")]
    public void Compose_EmptyInstructions_EndsWithSingleNewline(string instructions)
    {
        var text = Compose(instructions: instructions);

        Assert.That(text, Does.EndWith("So:\n"));
        Assert.That(text, Does.Not.EndWith("\n\n"));
    }

    [Test]
    public void Compose_Sections_SeparatedByExactlyOneBlankLine()
    {
        var text = Compose();

        Assert.That(text, Does.Not.Contain("\n\n\n"));
        foreach (var heading in new[] { "## Log channel", "## Deliverables", "## Resumes", "### Detecting a resume: `resume.log`", "## Task" })
        {
            Assert.That(text, Does.Contain("\n\n" + heading + "\n\n"), heading);
        }
    }

    [Test]
    public void Compose_Paragraphs_NeverHardWrapped()
    {
        // Every paragraph is one line, so phrases (and the tests that look for them) never break across lines.
        var lines = Compose().Split('\n');

        Assert.That(lines.Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("- ") && !l.StartsWith("  Example: ")), Has.All.Match("[.:]$"));
    }

    [Test]
    public void Compose_NullInstructions_Throws()
    {
        Assert.That(() => AgentsMdComposer.Compose(null!, true, null), Throws.ArgumentNullException);
    }

    [Test]
    public void Compose_ResumeOffAndOn_ProtocolAndTaskPartsIdentical()
    {
        var with = Compose(supportsResume: true);
        var without = Compose(supportsResume: false);

        var resumeStart = with.IndexOf("## Resumes", StringComparison.Ordinal);
        var taskStart = with.IndexOf("## Task", StringComparison.Ordinal);
        Assert.That(with.Remove(resumeStart, taskStart - resumeStart), Is.EqualTo(without));
    }
}
