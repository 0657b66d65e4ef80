using Opencode.Sessions.Hosting;
using Opencode.Sessions.Testing;
using Opencode.Sessions.Testing.Contracts;

namespace Opencode.Sessions.Tests.Hosting.Contracts;

/// <summary>
/// The host contract kit against <see cref="FakeHost"/>: everything but real commands and process groups (a fake runs
/// no programs: its commands go to a handler and its processes are scripted by the test).
/// </summary>
public sealed class FakeHostContractTests : HostContractTests
{
    private FakeHost? _host;

    protected override Task<IHost> CreateHostAsync(CancellationToken cancellationToken)
    {
        _host = new FakeHost("/fake/tasks/kit-" + Guid.NewGuid().ToString("N"));
        return Task.FromResult<IHost>(_host);
    }

    protected override Task AppendAsync(string path, string text, CancellationToken cancellationToken)
    {
        _host!.AppendToFile(path, text);
        return Task.CompletedTask;
    }

    protected override Task CreateSymlinkAsync(string linkPath, string target, CancellationToken cancellationToken)
    {
        _host!.AddSymlink(linkPath, target);
        return Task.CompletedTask;
    }
}
