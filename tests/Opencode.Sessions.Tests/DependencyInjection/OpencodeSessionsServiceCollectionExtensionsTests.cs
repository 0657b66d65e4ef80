using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Snapshots;
using Opencode.Sessions.Testing;

namespace Opencode.Sessions.Tests.DependencyInjection;

[TestFixture]
public sealed class OpencodeSessionsServiceCollectionExtensionsTests
{
    [Test]
    public void AddOpencodeSessions_WiresLoggerTimeAndDefaultStore()
    {
        var services = new ServiceCollection().AddLogging().AddOpencodeSessions();
        using var provider = services.BuildServiceProvider();

        var defaults = provider.GetRequiredService<OpencodeTaskDefaults>();

        Assert.That(defaults.Config.LoggerFactory, Is.SameAs(provider.GetRequiredService<ILoggerFactory>()));
        Assert.That(defaults.Config.TimeProvider, Is.SameAs(TimeProvider.System));
        Assert.That(defaults.Config.SnapshotStore, Is.InstanceOf<FileSystemSnapshotStore>());
        Assert.That(provider.GetRequiredService<ISnapshotStore>(), Is.SameAs(defaults.Config.SnapshotStore));
    }

    [Test]
    public void AddOpencodeSessions_KeepsARegisteredStoreAndAppliesConfigure()
    {
        var store = new InMemorySnapshotStore();
        var services = new ServiceCollection()
            .AddSingleton<ISnapshotStore>(store)
            .AddOpencodeSessions((_, config) => config with { Model = "scripted/scripted-model" });
        using var provider = services.BuildServiceProvider();

        var task = provider.GetRequiredService<OpencodeTaskDefaults>().Create("job-1", "Job", c => c with { ConsumerInstructions = "do it" });

        Assert.That(task.Config.SnapshotStore, Is.SameAs(store));
        Assert.That(task.Config.Model, Is.EqualTo("scripted/scripted-model"));
        Assert.That(task.Config.ConsumerInstructions, Is.EqualTo("do it"));
    }

    [Test]
    public void Create_InvalidCustomization_IsValidated()
    {
        using var provider = new ServiceCollection().AddOpencodeSessions().BuildServiceProvider();
        var defaults = provider.GetRequiredService<OpencodeTaskDefaults>();
        Assert.Throws<ArgumentException>(() => defaults.Create("job-1", "Job", c => c with { SnapshotRetention = 0 }));
    }
}
