using System.Diagnostics;
using System.Security.Cryptography;
using Opencode.Sessions;

/// <summary>
/// Runs <c>opencode serve</c> for the sample: a random password (passed in the environment, never in argv), its own
/// HOME/XDG directories, offline settings, and the given opencode.json content. Disposing kills the process it started.
/// </summary>
internal sealed class LocalOpencode : IAsyncDisposable
{
    private const string ReadyPrefix = "opencode server listening on ";
    private readonly Process _process;
    private int _disposed;

    private LocalOpencode(Process process, Uri baseAddress, BasicAuth credentials)
    {
        _process = process;
        BaseAddress = baseAddress;
        Credentials = credentials;
    }

    public Uri BaseAddress { get; }

    public BasicAuth Credentials { get; }

    public static async Task<LocalOpencode> StartAsync(string executable, string workDirectory, string stateDirectory, string configJson, CancellationToken cancellationToken)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var psi = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "serve", "--port", "0", "--hostname", "127.0.0.1" })
        {
            psi.ArgumentList.Add(arg);
        }

        var home = Path.Combine(stateDirectory, "home");
        psi.Environment["HOME"] = home;
        psi.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(home, ".local/share");
        psi.Environment["XDG_CACHE_HOME"] = Path.Combine(home, ".cache");
        psi.Environment["XDG_STATE_HOME"] = Path.Combine(home, ".local/state");
        psi.Environment["OPENCODE_CONFIG_CONTENT"] = configJson;
        psi.Environment["OPENCODE_SERVER_PASSWORD"] = password;
        psi.Environment["OPENCODE_DISABLE_MODELS_FETCH"] = "1";
        psi.Environment["OPENCODE_DISABLE_AUTOUPDATE"] = "1";
        psi.Environment["OPENCODE_DISABLE_SHARE"] = "1";
        psi.Environment["OPENCODE_DISABLE_LSP_DOWNLOAD"] = "1";
        psi.Environment["BROWSER"] = "true";

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            var at = e.Data?.IndexOf(ReadyPrefix, StringComparison.Ordinal) ?? -1;
            if (at >= 0 && Uri.TryCreate(e.Data![(at + ReadyPrefix.Length)..].Trim(), UriKind.Absolute, out var url))
            {
                ready.TrySetResult(url);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"opencode exited with code {process.ExitCode} before it was ready."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new LocalOpencode(process, url, new BasicAuth("opencode", password));
        }
        catch
        {
            await new LocalOpencode(process, new Uri("http://127.0.0.1"), new BasicAuth("opencode", password)).DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }
}
