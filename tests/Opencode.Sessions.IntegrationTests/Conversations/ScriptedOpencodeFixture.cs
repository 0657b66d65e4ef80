namespace Opencode.Sessions.IntegrationTests.Conversations;

/// <summary>Base of fixtures that share one real opencode talking to the scripted model.</summary>
public abstract class ScriptedOpencodeFixture
{
    private ScriptedOpencode? _opencode;

    internal ScriptedOpencode Opencode => _opencode ?? throw new InvalidOperationException("The fixture did not start; see the one-time setup failure (run ./build.sh test).");

    [OneTimeSetUp]
    public async Task StartOpencodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        _opencode = await ScriptedOpencode.StartAsync(timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopOpencodeAsync()
    {
        if (_opencode is not null)
        {
            await _opencode.DisposeAsync();
        }
    }
}
