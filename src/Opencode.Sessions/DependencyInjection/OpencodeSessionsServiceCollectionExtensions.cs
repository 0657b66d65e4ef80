using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Opencode.Sessions;
using Opencode.Sessions.Snapshots;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Opencode.Sessions with a service collection.</summary>
public static class OpencodeSessionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OpencodeTaskDefaults"/> — a base <see cref="OpencodeTaskConfig"/> wired to the container's
    /// <see cref="ILoggerFactory"/>, <see cref="TimeProvider"/> and <see cref="ISnapshotStore"/> — plus a
    /// <see cref="FileSystemSnapshotStore"/> as the snapshot store unless one is already registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adjusts the base configuration (for example the model or the task root); optional.</param>
    /// <returns>The same service collection.</returns>
    /// <example>
    /// <code>
    /// services.AddOpencodeSessions((sp, config) => config with { Model = "anthropic/claude-sonnet-4-5" });
    /// // later, in a job:
    /// var task = defaults.Create("ticket-7", "Fix the bug", c => c with { ConsumerInstructions = "…" });
    /// </code>
    /// </example>
    public static IServiceCollection AddOpencodeSessions(
        this IServiceCollection services, Func<IServiceProvider, OpencodeTaskConfig, OpencodeTaskConfig>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISnapshotStore>(sp => new FileSystemSnapshotStore(logger: sp.GetService<ILogger<FileSystemSnapshotStore>>()));
        services.TryAddSingleton(sp =>
        {
            var config = new OpencodeTaskConfig
            {
                LoggerFactory = sp.GetService<ILoggerFactory>(),
                TimeProvider = sp.GetRequiredService<TimeProvider>(),
                SnapshotStore = sp.GetRequiredService<ISnapshotStore>(),
            };
            return new OpencodeTaskDefaults(configure is null ? config : configure(sp, config));
        });
        return services;
    }
}
