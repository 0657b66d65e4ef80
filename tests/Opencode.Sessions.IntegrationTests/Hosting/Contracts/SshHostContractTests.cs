using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Ssh;
using Opencode.Sessions.IntegrationTests.Infrastructure;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.IntegrationTests.Hosting.Contracts;

/// <summary>
/// The host contract kit against <see cref="SshHost"/> through the shared sshd (this machine), with every capability.
/// The tunnel case's default server listens here, which is the host's loopback too.
/// </summary>
public sealed class SshHostContractTests : ProcessHostContractTests
{
    private SshServerFixture _server = null!;
    private string _root = null!;

    protected override TimeSpan CaseTimeout => TimeSpan.FromSeconds(120);

    [OneTimeSetUp]
    public async Task StartServerAsync()
    {
        _server = await SharedSshServer.GetAsync();
        _root = Directory.CreateTempSubdirectory("ocs-ssh-kit-").FullName;
    }

    [OneTimeTearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    protected override Task<IHost> CreateHostAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IHost>(new SshHost(_server.CreateConfig(remoteTaskRoot: _root), "kit-" + Guid.NewGuid().ToString("N")));
}
