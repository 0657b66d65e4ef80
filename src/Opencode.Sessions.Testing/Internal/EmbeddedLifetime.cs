using Microsoft.Extensions.Hosting;

namespace Opencode.Sessions.Testing.Internal;

/// <summary>
/// The lifetime of a host embedded in a test: started and stopped by its owner only, never by console signals
/// (the default console lifetime would take over Ctrl+C and SIGTERM from the test process).
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
