using Opencode.Sessions.Hosting;

namespace Opencode.Sessions.Tests.Hosting;

/// <summary>The life-cycle <see cref="HostBase"/> gives every host: connect once, dispose once, stop tracked processes.</summary>
[TestFixture]
public sealed class HostBaseTests
{
    [Test]
    [CancelAfter(10_000)]
    public async Task Connect_ConcurrentCallers_ConnectCoreRunsOnceAndAllWait(CancellationToken cancellationToken)
    {
        await using var host = new ProbeHost();
        var first = host.ConnectAsync(cancellationToken);
        var second = host.ConnectAsync(cancellationToken);
        await Task.Delay(100, cancellationToken);
        Assert.That((first.IsCompleted, second.IsCompleted), Is.EqualTo((false, false)), "callers wait for the connect in progress");

        host.Gate.SetResult();
        await Task.WhenAll(first, second);
        await host.ConnectAsync(cancellationToken);

        Assert.That((host.ConnectCalls, host.VerifyCalls), Is.EqualTo((1, 2)));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Connect_Failed_CanBeRetried(CancellationToken cancellationToken)
    {
        await using var host = new ProbeHost { FailNext = true };
        host.Gate.SetResult();

        Assert.That(async () => await host.ConnectAsync(cancellationToken), Throws.InstanceOf<IOException>());
        await host.ConnectAsync(cancellationToken);

        Assert.That(host.ConnectCalls, Is.EqualTo(2));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Dispose_DuringConnect_CancelsItAndTheCallerSeesObjectDisposed(CancellationToken cancellationToken)
    {
        var host = new ProbeHost();
        var connecting = host.ConnectAsync(cancellationToken);
        await Task.Delay(100, cancellationToken);

        await host.DisposeAsync();
        await host.DisposeAsync();

        Assert.That(async () => await connecting, Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(host.CoreDisposals, Is.EqualTo(1));
        Assert.That(async () => await host.ConnectAsync(cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Dispose_StopsTrackedProcessesBeforeDisposeCore_AndLateProcessesAreStoppedAtOnce(CancellationToken cancellationToken)
    {
        var host = new ProbeHost();
        var running = await host.LaunchAsync(new HostProcessStartInfo("x", []), cancellationToken);

        await host.DisposeAsync();

        Assert.That(host.Events, Is.EqualTo(new[] { "process disposed", "core disposed" }));
        Assert.That(running.Exited.IsCompleted, Is.True);
        Assert.That(async () => await host.TrackLateAsync(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(host.Events[^1], Is.EqualTo("process disposed"));
    }

    private sealed class ProbeHost : HostBase
    {
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Events { get; } = [];

        public bool FailNext { get; set; }

        public int ConnectCalls { get; private set; }

        public int VerifyCalls { get; private set; }

        public int CoreDisposals { get; private set; }

        public override string DisplayName => "probe";

        public override string TaskDirectory => "/probe";

        public Task<ProbeProcess> TrackLateAsync() => TrackProcessAsync(new ProbeProcess(Events));

        public override async Task<IHostProcess> LaunchAsync(HostProcessStartInfo startInfo, CancellationToken cancellationToken) =>
            await TrackProcessAsync(new ProbeProcess(Events));

        public override Task<HostCommandResult> RunCommandAsync(HostCommand command, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task WriteFileAsync(string path, Stream content, UnixFileMode? mode, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task<Stream> OpenWorkdirFileAsync(string relativePath, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task WriteWorkdirFileAsync(string relativePath, Stream content, UnixFileMode? mode, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override IAsyncEnumerable<FollowedLine> FollowFileAsync(string path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task ArchiveWorkdirAsync(Stream destination, IReadOnlyList<string> exclude, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task RestoreWorkdirAsync(Stream source, CancellationToken cancellationToken) => throw new NotSupportedException();

        protected override async Task ConnectCoreAsync(CancellationToken cancellationToken)
        {
            ConnectCalls++;
            await Gate.Task.WaitAsync(cancellationToken);
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("unreachable");
            }
        }

        protected override Task VerifyConnectionAsync(CancellationToken cancellationToken)
        {
            VerifyCalls++;
            return Task.CompletedTask;
        }

        protected override ValueTask DisposeAsyncCore()
        {
            CoreDisposals++;
            Events.Add("core disposed");
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ProbeProcess(List<string> events) : IHostProcess
    {
        private readonly TaskCompletionSource<int> _exited = new();

        public int ProcessId => 1;

        public Task<int> Exited => _exited.Task;

        public Task TerminateAsync(TerminationMode mode, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            events.Add("process disposed");
            _exited.TrySetResult(137);
            return ValueTask.CompletedTask;
        }
    }
}
