namespace Opencode.Sessions;

/// <summary>Runs one execution of a task: the whole session lifecycle.</summary>
internal sealed class TaskRunner
{
    private readonly TaskInstance _task;
    private readonly IProcessContext _context;

    public TaskRunner(TaskInstance task, IProcessContext context)
    {
        _task = task;
        _context = context;
    }

    public Task RunAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException($"The session lifecycle for {_task.ProcessId}/{_context.ProcessId} is being built.");
}
