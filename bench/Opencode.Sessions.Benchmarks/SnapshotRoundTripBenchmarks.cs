using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Opencode.Sessions.Benchmarks;

/// <summary>
/// Capture + restore of a generated work directory through the file-system store, with and without the cipher.
/// Each operation moves the whole directory twice, so the run uses few iterations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class SnapshotRoundTripBenchmarks
{
    private SnapshotScenario? _scenario;

    [Params(50, 200)]
    public int WorkdirMb { get; set; }

    [Params(false, true)]
    public bool Encrypted { get; set; }

    [GlobalSetup]
    public void Setup() => _scenario = new SnapshotScenario(WorkdirMb, Encrypted);

    [GlobalCleanup]
    public void Cleanup() => _scenario?.Dispose();

    [Benchmark]
    public Task CaptureAndRestore() => _scenario!.CaptureAndRestoreAsync(CancellationToken.None);
}
