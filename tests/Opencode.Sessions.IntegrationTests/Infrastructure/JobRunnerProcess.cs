using System.Diagnostics;
using System.Text;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A job runner in a process of its own (the Opencode.Sessions.JobRunnerStub program, run with <c>dotnet exec</c>),
/// so a test can SIGKILL it the way an OOM killer or <c>kill -9</c> would, without killing the test.
/// </summary>
internal sealed class JobRunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private JobRunnerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Gets the job runner's pid.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Gets everything the job runner printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the job runner with the stub's arguments (see its Program.cs).</summary>
    public static JobRunnerProcess Start(IEnumerable<string> arguments)
    {
        var stub = Path.Combine(AppContext.BaseDirectory, "Opencode.Sessions.JobRunnerStub.dll");
        if (!File.Exists(stub))
        {
            Assert.Fail($"{stub} is missing: build tests/Opencode.Sessions.IntegrationTests (it references the stub).");
        }

        var dotnet = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", stub }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return new JobRunnerProcess(Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started."));
    }

    /// <summary>Waits until the job runner exits.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGKILLs the job runner (only this process: what it started is left to the library) and waits for it.</summary>
    public async Task KillHardAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: false); // SIGKILL on Unix
        await _process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Kills the job runner if it still runs.</summary>
    public void Dispose()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
