using System.Text.Json.Nodes;

namespace Opencode.Sessions;

/// <summary>The entry point: creates opencode tasks for a job runner.</summary>
/// <example>
/// <code>
/// var task = OpencodeTaskFactory.Create("report-42", "Write the report", new OpencodeTaskConfig
/// {
///     ConsumerInstructions = "Summarise data.csv into deliverables/summary.md.",
///     OnDeliverable = (ctx, d, ct) => { Console.WriteLine(d.Text); return Task.CompletedTask; },
/// });
/// await task.ExecuteAsync(new ConsoleProcessContext("report-42"), cancellationToken);
/// </code>
/// </example>
public static class OpencodeTaskFactory
{
    /// <summary>Creates a task after validating the process id and the configuration.</summary>
    /// <param name="processId">
    /// The process id: letters, digits, <c>.</c>, <c>_</c> and <c>-</c> only, not <c>.</c> or <c>..</c>, at most 200
    /// characters. It names the task directory and the snapshots.
    /// </param>
    /// <param name="name">A display name.</param>
    /// <param name="config">The configuration (copied; later changes to mutable parts such as the JSON do not leak in).</param>
    /// <param name="description">An optional description.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The process id or a configuration field is invalid; the message names every problem.</exception>
    public static TaskInstance Create(string processId, string name, OpencodeTaskConfig config, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(processId);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(config);
        ProcessIds.Validate(processId, nameof(processId));
        OpencodeTaskConfigValidator.Validate(config);

        var frozen = config with
        {
            OpencodeConfig = (JsonObject?)config.OpencodeConfig?.DeepClone() ?? new JsonObject(),
            WorkdirExclude = config.WorkdirExclude?.ToArray(),
            Environment = config.Environment?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        };
        return new TaskInstance(processId, name, description, frozen);
    }
}
