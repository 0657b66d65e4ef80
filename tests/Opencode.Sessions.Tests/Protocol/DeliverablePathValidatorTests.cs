using Moq;
using Opencode.Sessions.Protocol;

namespace Opencode.Sessions.Tests.Protocol;

[TestFixture]
public sealed class DeliverablePathValidatorTests
{
    private string _root = null!;
    private string _workdir = null!;

    [SetUp]
    public async Task SetUp()
    {
        // A real tree: <root>/workdir/{deliverables/{out.txt,sub/foo.md},deliverables_other/x.txt,AGENTS.md}, <root>/secret.txt
        _root = await ProtocolTestSupport.RealPathAsync(Directory.CreateTempSubdirectory("ocs-paths-").FullName, CancellationToken.None);
        _workdir = Path.Combine(_root, "workdir");
        Directory.CreateDirectory(Path.Combine(_workdir, "deliverables", "sub"));
        Directory.CreateDirectory(Path.Combine(_workdir, "deliverables_other"));
        File.WriteAllText(Path.Combine(_workdir, "deliverables", "out.txt"), "out");
        File.WriteAllText(Path.Combine(_workdir, "deliverables", "sub", "foo.md"), "foo");
        File.WriteAllText(Path.Combine(_workdir, "deliverables_other", "x.txt"), "x");
        File.WriteAllText(Path.Combine(_workdir, "AGENTS.md"), "agents");
        File.WriteAllText(Path.Combine(_root, "secret.txt"), "secret");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [TestCase("deliverables/out.txt", "out.txt")]
    [TestCase("./deliverables/out.txt", "out.txt")]
    [TestCase("deliverables/sub/foo.md", "sub/foo.md")]
    [TestCase("deliverables//sub/./foo.md", "sub/foo.md")]
    [TestCase("deliverables/../deliverables/out.txt", "out.txt")]
    [TestCase("deliverables/not-yet-written.txt", "not-yet-written.txt")]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_PathUnderDeliverables_IsValid(string announced, string expectedRelative, CancellationToken cancellationToken)
    {
        var result = await ValidateAsync(announced, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(DeliverablePathStatus.Valid));
        Assert.That(result.RelativePath, Is.EqualTo(expectedRelative));
        Assert.That(result.HostPath, Is.EqualTo(Path.Combine(_workdir, "deliverables", expectedRelative)));
        Assert.That(result.ProgressMessage, Is.EqualTo($"Deliverable: {expectedRelative}"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_AbsolutePathInsideDeliverables_IsValid(CancellationToken cancellationToken)
    {
        var result = await ValidateAsync(Path.Combine(_workdir, "deliverables", "sub", "foo.md"), cancellationToken);

        Assert.That(result.Status, Is.EqualTo(DeliverablePathStatus.Valid));
        Assert.That(result.RelativePath, Is.EqualTo("sub/foo.md"));
    }

    [TestCase("../secret.txt")]
    [TestCase("deliverables/../../secret.txt")]
    [TestCase("/etc/passwd")]
    [TestCase("..")]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_PathOutsideWorkdir_EscapesWorkdir(string announced, CancellationToken cancellationToken)
    {
        var result = await ValidateAsync(announced, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(DeliverablePathStatus.EscapesWorkdir));
        Assert.That(result.RelativePath, Is.Null);
        Assert.That(result.ProgressMessage, Is.EqualTo($"invalid deliverable path '{announced}', skipping"));
    }

    [TestCase("deliverables/missing-dir/../sym2.txt", "sym2.txt")]
    [TestCase("deliverables/leak.txt", "leak.txt")]
    [TestCase("deliverables/up/secret.txt", "up/secret.txt")]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_IsLexical_SymlinksAreLeftToTheOpenByDescriptor(string announced, string expectedRelative, CancellationToken cancellationToken)
    {
        // Arrange: links the agent made; the validator does not look at them (the open beneath the work directory refuses them).
        File.CreateSymbolicLink(Path.Combine(_workdir, "deliverables", "leak.txt"), Path.Combine(_root, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_workdir, "deliverables", "sym2.txt"), Path.Combine(_root, "secret.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_workdir, "deliverables", "up"), _root);

        var result = await ValidateAsync(announced, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(DeliverablePathStatus.Valid));
        Assert.That(result.RelativePath, Is.EqualTo(expectedRelative));
        Assert.That(result.HostPath, Is.EqualTo(Path.Combine(_workdir, "deliverables", expectedRelative)));
    }

    [TestCase("deliverables/../AGENTS.md")]
    [TestCase("deliverables/sub/../../deliverables_other/x.txt")]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_DotDotLeavingDeliverables_NotUnderDeliverables(string announced, CancellationToken cancellationToken) =>
        Assert.That((await ValidateAsync(announced, cancellationToken)).Status, Is.EqualTo(DeliverablePathStatus.NotUnderDeliverables));

    [TestCase("AGENTS.md")]
    [TestCase("deliverables")]
    [TestCase("deliverables/")]
    [TestCase("deliverables/.")]
    [TestCase("deliverables_other/x.txt")]
    [TestCase(".")]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_InsideWorkdirButNotStrictlyUnderDeliverables_NotUnderDeliverables(string announced, CancellationToken cancellationToken)
    {
        var result = await ValidateAsync(announced, cancellationToken);

        Assert.That(result.Status, Is.EqualTo(DeliverablePathStatus.NotUnderDeliverables));
        Assert.That(result.RelativePath, Is.Null);
        Assert.That(result.ProgressMessage, Is.EqualTo($"deliverable '{announced}': not under deliverables/, skipping (malfunction)"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_WorkdirReachedThroughSymlink_ResolvesBothSides(CancellationToken cancellationToken)
    {
        // Arrange: the host reports its work directory through a symlink; the agent may announce either form.
        var alias = Path.Combine(_root, "alias");
        Directory.CreateSymbolicLink(alias, _workdir);
        var validator = new DeliverablePathValidator(ProtocolTestSupport.CreateHost(alias).Object);

        // Act
        var relative = await validator.ValidateAsync("deliverables/sub/foo.md", cancellationToken);
        var absolute = await validator.ValidateAsync(Path.Combine(alias, "deliverables", "out.txt"), cancellationToken);
        var real = await validator.ValidateAsync(Path.Combine(_workdir, "deliverables", "out.txt"), cancellationToken);

        // Assert
        Assert.That(relative.Status, Is.EqualTo(DeliverablePathStatus.Valid));
        Assert.That(relative.HostPath, Is.EqualTo(Path.Combine(alias, "deliverables", "sub", "foo.md")));
        Assert.That(absolute.RelativePath, Is.EqualTo("out.txt"));
        Assert.That(real.Status, Is.EqualTo(DeliverablePathStatus.Valid));
        Assert.That(real.RelativePath, Is.EqualTo("out.txt"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task ValidateAsync_RelativePaths_MakeNoHostCall(CancellationToken cancellationToken)
    {
        // Arrange
        var host = ProtocolTestSupport.CreateHost(_workdir);
        var validator = new DeliverablePathValidator(host.Object);

        // Act
        await validator.ValidateAsync("deliverables/out.txt", cancellationToken);
        await validator.ValidateAsync("deliverables/sub/foo.md", cancellationToken);

        // Assert: checked as text; the file itself is opened by descriptor when it is fetched.
        host.Verify(h => h.ResolveRealPathAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public void ValidateAsync_EmptyPath_Throws()
    {
        var validator = new DeliverablePathValidator(ProtocolTestSupport.CreateHost(_workdir).Object);

        Assert.That(() => validator.ValidateAsync("", CancellationToken.None), Throws.ArgumentException);
    }

    private Task<DeliverablePathValidation> ValidateAsync(string announced, CancellationToken cancellationToken) =>
        new DeliverablePathValidator(ProtocolTestSupport.CreateHost(_workdir).Object).ValidateAsync(announced, cancellationToken);
}
