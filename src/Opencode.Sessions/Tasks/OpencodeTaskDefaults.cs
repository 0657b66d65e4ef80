namespace Opencode.Sessions;

/// <summary>
/// A base configuration shared by the tasks of an application (registered by <c>AddOpencodeSessions</c>): each task
/// starts from it and adds its own instructions and callbacks.
/// </summary>
public sealed class OpencodeTaskDefaults
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="config">The base configuration.</param>
    public OpencodeTaskDefaults(OpencodeTaskConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
    }

    /// <summary>Gets the base configuration.</summary>
    public OpencodeTaskConfig Config { get; }

    /// <summary>Creates a task from the base configuration, adjusted by <paramref name="customize"/>.</summary>
    /// <param name="processId">The process id (see <see cref="OpencodeTaskFactory.Create"/>).</param>
    /// <param name="name">A display name.</param>
    /// <param name="customize">Derives the task's configuration from the base one, typically with a <c>with</c> expression.</param>
    /// <param name="description">An optional description.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The process id or the resulting configuration is invalid.</exception>
    public TaskInstance Create(string processId, string name, Func<OpencodeTaskConfig, OpencodeTaskConfig> customize, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(customize);
        return OpencodeTaskFactory.Create(processId, name, customize(Config), description);
    }
}
