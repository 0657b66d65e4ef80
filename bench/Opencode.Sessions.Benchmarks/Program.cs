using BenchmarkDotNet.Running;
using Opencode.Sessions.Benchmarks;

// dotnet run -c Release --project bench/Opencode.Sessions.Benchmarks -- --memory [--sizes 50,200] [--out file]
//   plain measured runs (peak RSS, managed heap, allocations), one child process per configuration
// dotnet run -c Release --project bench/Opencode.Sessions.Benchmarks -- --filter '*'
//   BenchmarkDotNet (time + allocations)
if (MemoryRun.IsChild(args))
{
    return await MemoryRun.RunOneAsync(args);
}

if (args.Contains("--memory"))
{
    return await MemoryRun.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(SnapshotRoundTripBenchmarks).Assembly).Run(args);
return 0;
