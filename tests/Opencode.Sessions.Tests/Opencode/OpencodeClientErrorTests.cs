using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Opencode.Sessions.Opencode;

namespace Opencode.Sessions.Tests.Opencode;

public sealed class OpencodeClientErrorTests
{
    private static OpencodeClient Client(Uri baseAddress, TimeSpan? timeout = null, ILogger? logger = null) =>
        new(new OpencodeClientOptions { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(10), Directory = "/secret/dir" }, logger);

    private static StubHttpServer Answering(int status, string? body, string contentType = "application/json") =>
        new((_, response, _) => response.RespondAsync(status, body, contentType));

    [TestCase(404, """{"name":"NotFoundError","data":{"message":"Session not found: ses_x"}}""", "Session not found: ses_x", typeof(OpencodeSessionNotFoundException))]
    [TestCase(404, "no such thing", "no such thing", typeof(OpencodeSessionNotFoundException))]
    [TestCase(404, "", null, typeof(OpencodeSessionNotFoundException))]
    [TestCase(401, """{"message":"Unauthorized"}""", "Unauthorized", typeof(OpencodeBadRequestException))]
    [TestCase(401, "Unauthorized", "Unauthorized", typeof(OpencodeBadRequestException))]
    [TestCase(401, "[1,2]", null, typeof(OpencodeBadRequestException))]
    [TestCase(400, """{"_tag":"InvalidRequestError","message":"bad field"}""", "bad field", typeof(OpencodeBadRequestException))]
    [TestCase(400, """{"_tag":"BadRequest"}""", "BadRequest", typeof(OpencodeBadRequestException))]
    [TestCase(400, "\"plain string\"", "plain string", typeof(OpencodeBadRequestException))]
    [TestCase(500, """{"data":{"message":"inner"},"message":"outer"}""", "inner", typeof(OpencodeServerException))]
    [TestCase(503, "<html>down</html>", "<html>down</html>", typeof(OpencodeServerException))]
    [TestCase(302, "", null, typeof(OpencodeServerException))]
    [CancelAfter(10_000)]
    public async Task GetSessionAsync_ErrorStatus_MapsToTypedExceptionWithServerMessage(int status, string body, string? expectedMessage, Type expected, CancellationToken cancellationToken)
    {
        await using var server = Answering(status, body);
        using var client = Client(server.BaseAddress);

        var error = await Assert.CatchAsync<OpencodeClientException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        Assert.That(error, Is.TypeOf(expected));
        Assert.That(error!.StatusCode, Is.EqualTo(status));
        Assert.That(error.ServerMessage, Is.EqualTo(expectedMessage));
        Assert.That(error.Request, Is.EqualTo("GET /session/ses_x"));
        Assert.That(error.Message, Does.Contain(status == 302 ? "Unexpected response: 302" : expectedMessage ?? (status == 404 ? "Session not found" : "")));
        Assert.That(error.Message, Does.Not.Contain("secret"));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionAsync_LongTextBody_TruncatesServerMessageTo200(CancellationToken cancellationToken)
    {
        await using var server = Answering(502, new string('x', 500), "text/plain");
        using var client = Client(server.BaseAddress);

        var error = await Assert.ThrowsAsync<OpencodeServerException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        Assert.That(error!.ServerMessage, Has.Length.EqualTo(201));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionAsync_SuccessWithInvalidJson_ThrowsServerException(CancellationToken cancellationToken)
    {
        await using var server = Answering(200, "{not json");
        using var client = Client(server.BaseAddress);

        var error = await Assert.ThrowsAsync<OpencodeServerException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        Assert.That(error!.Message, Does.Contain("not valid JSON"));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetHealthAsync_ConnectionRefused_ThrowsConnectionException(CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = Client(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<OpencodeConnectionException>(() => client.GetHealthAsync(cancellationToken));

        Assert.That(error!.Message, Does.StartWith("OpenCode unreachable: GET /global/health"));
        Assert.That(error.StatusCode, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionAsync_ServerTooSlow_ThrowsTimeoutException(CancellationToken cancellationToken)
    {
        await using var server = new StubHttpServer(async (_, response, stop) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stop);
            await response.RespondAsync(200, "{}");
        });
        using var client = Client(server.BaseAddress, TimeSpan.FromMilliseconds(200));

        var error = await Assert.ThrowsAsync<OpencodeTimeoutException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        Assert.That(error!.Message, Does.StartWith("OpenCode timeout after 0.2s: GET /session/ses_x"));
        Assert.That(error.Timeout, Is.EqualTo(TimeSpan.FromMilliseconds(200)));
    }

    [Test, CancelAfter(10_000)]
    public async Task GetSessionAsync_CallerCancels_ThrowsOperationCanceled(CancellationToken cancellationToken)
    {
        await using var server = new StubHttpServer(async (_, response, stop) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), stop);
            await response.RespondAsync(200, "{}");
        });
        using var client = Client(server.BaseAddress);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(200);

        await Assert.CatchAsync<OperationCanceledException>(() => client.GetSessionAsync("ses_x", cts.Token));
    }

    [Test, CancelAfter(10_000)]
    public async Task Requests_Instrumented_NeverExposeQueryOrCredentials(CancellationToken cancellationToken)
    {
        // Arrange
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Opencode.Sessions",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var logger = new ListLogger();
        await using var server = Answering(404, """{"data":{"message":"gone"}}""");
        using var client = new OpencodeClient(
            new OpencodeClientOptions { BaseAddress = server.BaseAddress, Directory = "/secret/dir", Credentials = new BasicAuth("opencode", "pa55word") },
            logger);

        // Act
        await Assert.ThrowsAsync<OpencodeSessionNotFoundException>(() => client.GetSessionAsync("ses_x", cancellationToken));

        // Assert
        Activity activity;
        lock (activities)
        {
            activity = activities.Single(a => a.OperationName == "opencode.request" && (string?)a.GetTagItem("url.path") == "/session/ses_x");
        }

        Assert.That(activity.GetTagItem("http.response.status_code"), Is.EqualTo(404));
        Assert.That(activity.Status, Is.EqualTo(ActivityStatusCode.Error));
        var everything = string.Join("\n", activity.Tags.Select(t => t.Key + "=" + t.Value)) + activity.StatusDescription + string.Join("\n", logger.Lines);
        Assert.That(everything, Does.Not.Contain("secret").And.Not.Contain("pa55word").And.Not.Contain("directory="));
        Assert.That(logger.Entries.Select(e => e.EventId.Id), Does.Contain(1400));
    }
}
