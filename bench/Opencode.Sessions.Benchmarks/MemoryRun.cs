using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Opencode.Sessions.Benchmarks;

/// <summary>
/// Plain measured runs: each configuration runs in a fresh child process (peak RSS is a per-process high-water mark),
/// which resets its peak after generating the work directory and then captures + restores it once.
/// </summary>
internal static class MemoryRun
{
    private const string ChildFlag = "--memory-one";

    public static async Task<int> RunAsync(string[] args)
    {
        var sizes = Option(args, "--sizes", "50,200")!.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var output = Option(args, "--out", null);
        var rows = new List<string>();
        foreach (var size in sizes)
        {
            foreach (var encrypted in new[] { false, true })
            {
                var row = await RunChildAsync(size, encrypted);
                Console.WriteLine(row);
                rows.Add(row);
            }
        }

        var table = new StringBuilder()
            .AppendLine("| Workdir | Cipher | Capture | Restore | Peak RSS during capture+restore | Peak RSS growth over baseline | Peak managed heap | GC allocated (capture / restore) |")
            .AppendLine("|---|---|---|---|---|---|---|---|");
        rows.ForEach(r => table.AppendLine(r));
        var machine = $"{RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}";
        Console.WriteLine();
        Console.WriteLine(machine);
        Console.WriteLine(table);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, machine + Environment.NewLine + Environment.NewLine + table);
        }

        return 0;
    }

    public static bool IsChild(string[] args) => args.Length > 0 && args[0] == ChildFlag;

    /// <summary>Child: generate, reset the peak, capture, restore, print one markdown table row.</summary>
    public static async Task<int> RunOneAsync(string[] args)
    {
        var size = int.Parse(args[1], CultureInfo.InvariantCulture);
        var encrypted = bool.Parse(args[2]);
        using var scenario = new SnapshotScenario(size, encrypted);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var resetWorked = ResetPeakRss();
        var baseline = ReadStatusKb("VmRSS");

        using var sampler = new HeapSampler();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var record = await scenario.CaptureAsync(CancellationToken.None);
        var captureTime = watch.Elapsed;
        var allocated1 = GC.GetTotalAllocatedBytes(precise: true);
        watch.Restart();
        await scenario.RestoreAsync(record, CancellationToken.None);
        var restoreTime = watch.Elapsed;
        var allocated2 = GC.GetTotalAllocatedBytes(precise: true);
        var peak = ReadStatusKb("VmHWM");

        Console.WriteLine(
            $"| {size} MB | {(encrypted ? "AES-GCM (both blobs)" : "none")} | {captureTime.TotalSeconds:F1} s | {restoreTime.TotalSeconds:F1} s | " +
            $"{Mb(peak * 1024)}{(resetWorked ? string.Empty : " (peak not reset)")} | {Mb((peak - baseline) * 1024)} | {Mb(sampler.Peak)} | {Mb(allocated1 - allocated0)} / {Mb(allocated2 - allocated1)} |");
        return 0;
    }

    private static async Task<string> RunChildAsync(int size, bool encrypted)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(MemoryRun).Assembly.Location);
        }

        foreach (var arg in new[] { ChildFlag, size.ToString(CultureInfo.InvariantCulture), encrypted.ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var text = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync();
        return child.ExitCode == 0 ? text.Trim() : throw new InvalidOperationException($"child run failed ({child.ExitCode}): {text}");
    }

    private static string? Option(string[] args, string name, string? fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):F1} MB");

    /// <summary>Writing 5 to /proc/self/clear_refs resets the peak RSS (VmHWM) on Linux.</summary>
    private static bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadStatusKb(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>Samples the managed heap size every 5 ms and keeps the maximum.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public HeapSampler() => _timer = new Timer(_ => Sample(), null, 0, 5);

        public long Peak
        {
            get
            {
                Sample();
                return Interlocked.Read(ref _peak);
            }
        }

        public void Dispose() => _timer.Dispose();

        private void Sample()
        {
            var now = GC.GetTotalMemory(forceFullCollection: false);
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
    }
}
