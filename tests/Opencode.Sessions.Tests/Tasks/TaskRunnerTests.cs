namespace Opencode.Sessions.Tests.Tasks;

/// <summary>
/// Unit tests of the session lifecycle (<see cref="TaskInstance.ExecuteAsync"/>) against fakes only: a FakeHost, an
/// in-test HTTP stub playing opencode, and a recording process context. Split by concern into partial files.
/// </summary>
[TestFixture]
public sealed partial class TaskRunnerTests
{
    private TaskRunnerHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new TaskRunnerHarness();

    [TearDown]
    public async Task TearDown() => await _h.DisposeAsync();

    /// <summary>Starts the task, waits for the start prompt, then lets the agent write <paramref name="lines"/>.</summary>
    private async Task<Task> StartAndWriteAsync(TaskInstance task, CancellationToken cancellationToken, params string[] lines)
    {
        var run = task.ExecuteAsync(_h.Context, cancellationToken);
        await _h.WaitUntilPromptedAsync(run, cancellationToken);
        foreach (var line in lines)
        {
            _h.WriteLog(line);
        }

        return run;
    }

    /// <summary>Runs the task to a clean DONE.</summary>
    private async Task RunToDoneAsync(TaskInstance task, CancellationToken cancellationToken) =>
        await await StartAndWriteAsync(task, cancellationToken, "DONE");

    private static SessionHook Hook(Action action) => (_, _) =>
    {
        action();
        return Task.CompletedTask;
    };
}
