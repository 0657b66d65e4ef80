using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.Tests.Internal;

[TestFixture]
public sealed class FileIdentityTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("ocs-identity-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public void Of_PathAndOpenHandle_SameIdentityUntilReplaced()
    {
        // Arrange
        Assert.That(OperatingSystem.IsLinux(), Is.True, "file identities are read with statx(2) on Linux; run ./build.sh test there");
        var path = Path.Combine(_root, "a.log");
        File.WriteAllText(path, "one");
        using var handle = File.OpenHandle(path);

        // Act
        var byPath = FileIdentity.Of(path);
        var byHandle = FileIdentity.Of(handle);
        var other = Path.Combine(_root, "b.log");
        File.WriteAllText(other, "two");
        File.Move(other, path, overwrite: true);

        // Assert
        Assert.That(byPath, Is.Not.Null);
        Assert.That(byHandle, Is.EqualTo(byPath));
        Assert.That(FileIdentity.Of(path), Is.Not.EqualTo(byHandle));
        Assert.That(FileIdentity.Of(handle), Is.EqualTo(byHandle));
    }

    [Test]
    public void Of_MissingPath_Null()
    {
        Assert.That(FileIdentity.Of(Path.Combine(_root, "missing")), Is.Null);
    }
}
