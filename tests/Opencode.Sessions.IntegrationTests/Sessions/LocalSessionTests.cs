using Opencode.Sessions.Hosting;
using Opencode.Sessions.Hosting.Local;

namespace Opencode.Sessions.IntegrationTests.Sessions;

/// <summary>The session scenarios on the local machine (<see cref="LocalHost"/>, task root in the test's temp root).</summary>
[TestFixture]
[Parallelizable(ParallelScope.Self)]
public sealed class LocalSessionTests : SessionScenarios
{
    protected override OpencodeTaskConfig ConfigureHost(OpencodeTaskConfig config) => config with { TaskRoot = TaskRoot };

    private protected override IEnumerable<string> JobRunnerHostArguments() => [];

    protected override Task<IHost> ConnectInspectionHostAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IHost>(new LocalHost("inspect", TaskRoot));
}
