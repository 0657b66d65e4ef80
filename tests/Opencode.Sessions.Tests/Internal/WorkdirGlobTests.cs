using Opencode.Sessions.Workdir;

namespace Opencode.Sessions.Tests.Internal;

public sealed class WorkdirGlobTests
{
    [TestCase(".git", ".git", true)]
    [TestCase(".git", "sub/.git", true)]
    [TestCase(".git", ".gitignore", false)]
    [TestCase("*.pyc", "a.pyc", true)]
    [TestCase("*.pyc", "deep/er/a.pyc", true)]
    [TestCase("*.pyc", "a.pyc.txt", false)]
    [TestCase("node_modules", "web/node_modules", true)]
    [TestCase("docs/*.md", "docs/a.md", true)]
    [TestCase("docs/*.md", "docs/sub/b.md", true)]
    [TestCase("docs/*.md", "other/docs/a.md", false)]
    [TestCase("?.txt", "a.txt", true)]
    [TestCase("?.txt", "ab.txt", false)]
    [TestCase("[ab].log", "b.log", true)]
    [TestCase("[!ab].log", "b.log", false)]
    [TestCase("[!ab].log", "c.log", true)]
    [TestCase("[a-c]x", "bx", true)]
    [TestCase("[]]x", "]x", true)]
    [TestCase("[unclosed", "[unclosed", true)]
    [TestCase("a+b(c)", "a+b(c)", true)]
    [TestCase("*.PYC", "a.pyc", false)]
    [TestCase("build", "build", true)]
    [TestCase("build", "rebuild", false)]
    public void IsExcluded_Pattern_MatchesPathOrAnySegment(string pattern, string relativePath, bool expected)
    {
        var glob = new WorkdirGlob([pattern], []);

        Assert.That(glob.IsExcluded(relativePath), Is.EqualTo(expected));
    }

    [TestCase(".opencode-password", true)]
    [TestCase(".opencode-export.json", true)]
    [TestCase("sub/.opencode-password", false)]
    public void IsExcluded_AlwaysExcludedNames_OnlyAtRoot(string relativePath, bool expected)
    {
        var glob = new WorkdirGlob([], WorkdirExclusions.AlwaysExcludedAtRoot);

        Assert.That(glob.IsExcluded(relativePath), Is.EqualTo(expected));
    }

    [TestCase("bin/xdg-open", true)]
    [TestCase("bin/other", false)]
    [TestCase("sub/bin/xdg-open", false)]
    public void IsExcluded_AlwaysExcludedRelativePath_MatchesExactly(string relativePath, bool expected)
    {
        var glob = new WorkdirGlob([], ["bin/xdg-open"]);

        Assert.That(glob.IsExcluded(relativePath), Is.EqualTo(expected));
    }
}
