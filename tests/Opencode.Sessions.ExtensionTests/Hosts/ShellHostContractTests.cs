using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.ExtensionTests.Hosts;

/// <summary>The host kit against <see cref="ShellHost"/>, a host built from the public API alone; every capability.</summary>
public sealed class ShellHostContractTests : ProcessHostContractTests
{
    private string _root = null!;

    [OneTimeSetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("ocs-shell-kit-").FullName;

    [OneTimeTearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    protected override Task<IHost> CreateHostAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IHost>(new ShellHost(Path.Combine(_root, "kit-" + Guid.NewGuid().ToString("N"))));
}
