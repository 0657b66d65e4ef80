using Opencode.Sessions.IntegrationTests.Infrastructure;

namespace Opencode.Sessions.IntegrationTests;

/// <summary>Stops the servers the test classes share once every test of the assembly has run.</summary>
[SetUpFixture]
public sealed class AssemblyServers
{
    [OneTimeTearDown]
    public async Task StopSharedServersAsync() => await SharedSshServer.StopAsync();
}
