using System.Reflection;
using NetArchTest.Rules;

namespace Opencode.Sessions.Tests.Architecture;

/// <summary>
/// Issue 9 item 4: the layering of the core assembly, pinned. Data flows config → task → host → protocol → store; each
/// namespace may use the ones below it and never the ones above or beside it that the rule names.
/// </summary>
/// <remarks>
/// NetArchTest matches a dependency name as a namespace prefix by whole segments: <c>Opencode.Sessions.Hosting</c>
/// also matches <c>Opencode.Sessions.Hosting.Ssh</c>, which is what the forbidden lists want. The selected types are
/// chosen with anchored regular expressions so that a rule about <c>Hosting.Local</c> does not also select
/// <c>Hosting</c>.
/// </remarks>
[TestFixture]
[Category("Architecture")]
public sealed class LayeringTests
{
    private const string Root = "Opencode.Sessions";
    private const string Hosting = Root + ".Hosting";
    private const string HostingLocal = Root + ".Hosting.Local";
    private const string HostingSsh = Root + ".Hosting.Ssh";
    private const string Workdir = Root + ".Workdir";
    private const string Snapshots = Root + ".Snapshots";
    private const string Launching = Root + ".Launching";
    private const string Protocol = Root + ".Protocol";
    private const string Client = Root + ".Opencode";
    private const string Conversations = Root + ".Conversations";
    private const string Internal = Root + ".Internal";
    private const string Posix = Root + ".Posix";

    /// <summary>The task layer's own types: configuration is mapped to each part's options in Tasks/TaskConfigMapping.cs.</summary>
    private static readonly string[] TaskLayerTypes =
    [
        Root + ".OpencodeTaskConfig",
        Root + ".OpencodeTaskFactory",
        Root + ".TaskInstance",
        Root + ".TaskRunner",
        Root + ".TaskLock",
    ];

    private static readonly Assembly Core = typeof(OpencodeTaskFactory).Assembly;

    private static IEnumerable<TestCaseData> Rules()
    {
        yield return Rule("Workdir", Workdir, Hosting, Snapshots, Launching, Protocol, Client, Conversations);
        yield return Rule("Hosting", Hosting, Snapshots, Launching, Protocol, Client, Conversations);
        yield return Rule("Hosting.Local", HostingLocal, HostingSsh);
        yield return Rule("Hosting.Ssh", HostingSsh, HostingLocal);
        yield return Rule("Opencode", Client, Hosting, Workdir, Snapshots, Launching, Protocol, Conversations);
        yield return Rule("Launching", Launching, Snapshots, Protocol, Conversations);
        yield return Rule("Protocol", Protocol, Snapshots, Launching, Conversations);
        yield return Rule("Snapshots", Snapshots, Protocol, Conversations);
        yield return Rule("Conversations", Conversations, Hosting, Workdir, Snapshots, Launching, Protocol);
        yield return Rule("Posix", Posix, Hosting, Workdir, Snapshots, Launching, Protocol, Client, Conversations, Internal, Root + ".Diagnostics");
    }

    [TestCaseSource(nameof(Rules))]
    public void Namespace_DependsOnNoneOfTheForbiddenNamespaces(string layer, string selected, string[] forbidden)
    {
        // Arrange
        var pattern = Subtree(selected);

        // Act + Assert
        AssertNoDependency(pattern, forbidden, $"{layer} ({selected} and below)");
    }

    [Test]
    public void Internal_DependsOnNoOtherPartOfTheLibrary()
    {
        // Arrange: every other namespace of the core but Posix (the POSIX path and quoting helpers are the one public
        // layer below it), and each type of the root namespace by its full name (the root namespace itself is a prefix
        // of Internal, so it cannot be forbidden as a whole).
        var otherNamespaces = Core.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns.StartsWith(Root + ".", StringComparison.Ordinal) && ns != Internal && ns != Posix && !ns.StartsWith(Internal + ".", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal);
        var rootTypes = Core.GetTypes()
            .Where(t => t.Namespace == Root && !t.IsNested)
            .Select(t => t.FullName!);
        var forbidden = otherNamespaces.Concat(rootTypes).ToArray();
        Assume.That(forbidden, Has.Member(Hosting).And.Member(Root + ".OpencodeTaskConfig"));

        // Act + Assert
        AssertNoDependency(Subtree(Internal), forbidden, $"Internal ({Internal}, only the BCL)");
    }

    [Test]
    public void LowerLayers_DoNotDependOnTheTaskLayer()
    {
        // Every namespace below the root (the task API) and the DI extensions: Hosting, Workdir, Snapshots, Launching,
        // Protocol, Opencode, Conversations, Diagnostics, Internal.
        AssertNoDependency(@"^Opencode\.Sessions\..+$", TaskLayerTypes, "every namespace below the task layer");
    }

    [Test]
    public void DependencyMatching_IsByNamespaceSegments_NotByTextPrefix()
    {
        // The rules forbid "Opencode.Sessions.Opencode" (the client) for layers whose exceptions derive from the root's
        // OpencodeSessionsException, whose full name starts with that text. A textual prefix match would report them all.
        var exception = Types.InAssembly(Core).That().HaveName("UnsafeArchiveEntryException");
        var onRootException = exception.ShouldNot().HaveDependencyOn(Root + ".OpencodeSessionsException").GetResult();
        var onClient = Types.InAssembly(Core).That().HaveName("UnsafeArchiveEntryException")
            .ShouldNot().HaveDependencyOn(Client).GetResult();
        var runnerOnHosting = Types.InAssembly(Core).That().HaveName("TaskRunner")
            .ShouldNot().HaveDependencyOn(Hosting).GetResult();

        Assert.Multiple(() =>
        {
            Assert.That(onRootException.IsSuccessful, Is.False, "UnsafeArchiveEntryException's base class was not found as a dependency");
            Assert.That(onClient.IsSuccessful, Is.True, "Opencode.Sessions.OpencodeSessionsException was matched by 'Opencode.Sessions.Opencode'");
            Assert.That(runnerOnHosting.IsSuccessful, Is.False, "TaskRunner's dependency on Opencode.Sessions.Hosting (IHost) was not found");
        });
    }

    private static TestCaseData Rule(string layer, string selected, params string[] forbidden) =>
        new TestCaseData(layer, selected, forbidden).SetName($"Layering_{layer.Replace('.', '_')}_DependsOnNoneOf({string.Join(", ", forbidden.Select(f => f[(Root.Length + 1)..]))})");

    /// <summary>An anchored pattern for <paramref name="ns"/> and its sub-namespaces, nothing that merely starts with its text.</summary>
    private static string Subtree(string ns) => "^" + System.Text.RegularExpressions.Regex.Escape(ns) + @"(\..*)?$";

    private static void AssertNoDependency(string namespacePattern, string[] forbidden, string description)
    {
        var selected = Types.InAssembly(Core).That().ResideInNamespaceMatching(namespacePattern).GetTypes().ToList();
        Assert.That(selected, Is.Not.Empty, $"No type selected for {description}: the rule would be vacuous.");

        var result = Types.InAssembly(Core).That().ResideInNamespaceMatching(namespacePattern)
            .ShouldNot().HaveDependencyOnAny(forbidden).GetResult();

        Assert.That(
            result.IsSuccessful,
            Is.True,
            $"{description} must not depend on {string.Join(", ", forbidden)}; these types do:\n  "
            + string.Join("\n  ", result.FailingTypeNames ?? []));
    }
}
