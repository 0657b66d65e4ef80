using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.Tests.Hosting.Contracts;

/// <summary>The host contract kit against <see cref="LocalHost"/>, with every capability.</summary>
public sealed class LocalHostContractTests : ProcessHostContractTests
{
    private string _root = null!;

    [OneTimeSetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("ocs-local-kit-").FullName;

    [OneTimeTearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    protected override Task<IHost> CreateHostAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IHost>(new LocalHost("kit-" + Guid.NewGuid().ToString("N"), _root));
}
