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

    private static SessionHook Hook(Action action) => (_, _) =>
    {
        action();
        return Task.CompletedTask;
    };
}
