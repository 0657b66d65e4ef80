using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Opencode.Sessions.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>opencode serve</c> started by a test: isolated HOME/XDG directories in a temp tree, offline settings,
/// a random server password, and the given opencode.json (as <c>OPENCODE_CONFIG_CONTENT</c>). Disposing kills the
/// process tree it started (by its PID) and deletes the temp tree.
/// </summary>
internal sealed class OpencodeTestServer : IAsyncDisposable
{
    private const string ReadyPrefix = "opencode server listening on ";

    private readonly Process _process;
    private readonly TempDirectory _root;
    private readonly StringBuilder _output;

    private OpencodeTestServer(Process process, TempDirectory root, StringBuilder output, Uri baseUrl, string password)
    {
        _process = process;
        _output = output;
        _root = root;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(5) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("opencode:" + password)));
    }

    /// <summary>Gets the server's base URL (<c>http://127.0.0.1:&lt;port&gt;/</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets a client with the server's Basic credentials.</summary>
    public HttpClient Client { get; }

    /// <summary>Gets the PID of the opencode process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Gets the root of the isolated temp tree (HOME, XDG dirs).</summary>
    public string RootDirectory => _root.Path;

    /// <summary>Gets everything opencode printed so far (stdout and stderr), for failure messages.</summary>
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

    /// <summary>Starts opencode with <paramref name="config"/> in <paramref name="workingDirectory"/> and waits for its listening line.</summary>
    public static async Task<OpencodeTestServer> StartAsync(JsonObject config, string workingDirectory, CancellationToken cancellationToken)
    {
        var root = new TempDirectory("ocs-opencode-");
        var password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        var psi = new ProcessStartInfo(TestOpencode.ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "serve", "--port", "0", "--hostname", "127.0.0.1", "--print-logs", "--log-level", "WARN" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("OPENCODE", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["HOME"] = root.Sub("home");
        psi.Environment["XDG_CONFIG_HOME"] = root.Sub("config");
        psi.Environment["XDG_DATA_HOME"] = root.Sub("data");
        psi.Environment["XDG_CACHE_HOME"] = root.Sub("cache");
        psi.Environment["XDG_STATE_HOME"] = root.Sub("state");
        psi.Environment["OPENCODE_CONFIG_CONTENT"] = config.ToJsonString();
        psi.Environment["OPENCODE_DISABLE_MODELS_FETCH"] = "1";
        psi.Environment["OPENCODE_DISABLE_AUTOUPDATE"] = "1";
        psi.Environment["OPENCODE_DISABLE_SHARE"] = "1";
        psi.Environment["OPENCODE_DISABLE_LSP_DOWNLOAD"] = "1";
        psi.Environment["OPENCODE_SERVER_PASSWORD"] = password;
        psi.Environment["BROWSER"] = "true";

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            var at = line.IndexOf(ReadyPrefix, StringComparison.Ordinal);
            if (at >= 0 && Uri.TryCreate(line[(at + ReadyPrefix.Length)..].Trim(), UriKind.Absolute, out var url))
            {
                ready.TrySetResult(url);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("opencode exited before it was ready."));
        if (!process.Start())
        {
            root.Dispose();
            throw new InvalidOperationException("opencode did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new OpencodeTestServer(process, root, output, new Uri(url.ToString().TrimEnd('/') + "/"), password);
        }
        catch (Exception ex)
        {
            await KillAsync(process);
            root.Dispose();
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            throw new InvalidOperationException($"opencode serve did not print its listening line: {ex.Message}\n--- output ---\n{text}", ex);
        }
    }

    /// <summary>Creates a session in <paramref name="directory"/> (<c>POST /session?directory=</c>) and returns its JSON.</summary>
    public async Task<JsonObject> CreateSessionAsync(string directory, string? title, CancellationToken cancellationToken)
    {
        var body = title is null ? new JsonObject() : new JsonObject { ["title"] = title };
        return await PostObjectAsync($"session?directory={Uri.EscapeDataString(directory)}", body, cancellationToken);
    }

    /// <summary>Sends a text prompt with the blocking <c>POST /session/:id/message</c>; returns the last assistant message.</summary>
    public Task<JsonObject> SendMessageAsync(string sessionId, string directory, string text, CancellationToken cancellationToken) =>
        PostObjectAsync($"session/{sessionId}/message?directory={Uri.EscapeDataString(directory)}", TextPrompt(text), cancellationToken);

    /// <summary>Sends a text prompt with <c>POST /session/:id/prompt_async</c> (returns at once).</summary>
    public async Task PromptAsync(string sessionId, string directory, string text, CancellationToken cancellationToken)
    {
        using var response = await Client.PostAsJsonAsync($"session/{sessionId}/prompt_async?directory={Uri.EscapeDataString(directory)}", TextPrompt(text), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>POSTs JSON and returns the parsed answer, failing with opencode's output on an error status.</summary>
    public async Task<JsonNode?> PostAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var response = await Client.PostAsJsonAsync(path, body, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>POSTs JSON and returns the JSON object answer.</summary>
    public async Task<JsonObject> PostObjectAsync(string path, JsonNode body, CancellationToken cancellationToken) =>
        await PostAsync(path, body, cancellationToken) as JsonObject
        ?? throw new InvalidOperationException($"POST {path} did not return a JSON object.\n--- opencode output ---\n{Output}");

    /// <summary>GETs JSON.</summary>
    public async Task<JsonNode?> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(path, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Kills the opencode process tree (only the process this instance started) and deletes the temp tree.</summary>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await KillAsync(_process);
        _process.Dispose();
        _root.Dispose();
    }

    private static JsonObject TextPrompt(string text) =>
        new() { ["parts"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) };

    private static async Task KillAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} → {(int)response.StatusCode}: {body}\n--- opencode output ---\n{Output}");
        }
    }
}
