using Opencode.Sessions.Opencode.Events;

namespace Opencode.Sessions.Tests.Opencode.Events;

public sealed class OpencodeEventParserTests
{
    private static OpencodeEvent Parse(string json)
    {
        Assert.That(OpencodeEventParser.TryParse(json, out var parsed), Is.True);
        return parsed!;
    }

    [TestCase("""{"type":"session.status","properties":{"sessionID":"ses_a","status":{"type":"idle"}}}""", "ses_a")]
    [TestCase("""{"type":"message.updated","properties":{"info":{"id":"msg_1","sessionID":"ses_b","role":"assistant"}}}""", "ses_b")]
    [TestCase("""{"type":"message.part.updated","properties":{"part":{"id":"prt_1","sessionID":"ses_c","type":"text","text":"x"}}}""", "ses_c")]
    [TestCase("""{"type":"server.heartbeat","properties":{}}""", null)]
    public void TryParse_SessionIdFromPropertiesInfoOrPart(string json, string? expected)
    {
        Assert.That(Parse(json).SessionId, Is.EqualTo(expected));
    }

    [Test]
    public void TryParse_KnownTypes_AreTyped()
    {
        Assert.That(Parse("""{"id":"evt_1","type":"server.connected","properties":{}}"""), Is.TypeOf<ServerConnectedEvent>().And.Property("Id").EqualTo("evt_1"));
        Assert.That(Parse("""{"type":"session.status","properties":{"sessionID":"s","status":{"type":"idle"}}}""").IsTerminal, Is.True);
        Assert.That(Parse("""{"type":"session.status","properties":{"sessionID":"s","status":{"type":"busy"}}}""").IsTerminal, Is.False);
        Assert.That(Parse("""{"type":"session.idle","properties":{"sessionID":"s"}}""").IsTerminal, Is.True);
        var permission = (PermissionAskedEvent)Parse("""{"type":"permission.asked","properties":{"id":"per_1","sessionID":"s","permission":"bash","patterns":["ls",1],"tool":{"messageID":"m","callID":"c"}}}""");
        Assert.That(permission.Patterns, Is.EqualTo(new[] { "ls" }));
        Assert.That(permission.Tool!.CallId, Is.EqualTo("c"));
        var todos = (TodoUpdatedEvent)Parse("""{"type":"todo.updated","properties":{"sessionID":"s","todos":[{"content":"a","status":"pending","priority":"high","id":"1"}]}}""");
        Assert.That(todos.Todos.Single().Priority, Is.EqualTo("high"));
    }

    [Test]
    public void TryParse_KnownTypeWithUnexpectedShape_KeptAsGenericEvent()
    {
        var parsed = Parse("""{"type":"message.part.updated","properties":{"part":{"id":42,"type":"text"}}}""");

        Assert.That(parsed.GetType(), Is.EqualTo(typeof(OpencodeEvent)));
        Assert.That(parsed.Type, Is.EqualTo("message.part.updated"));
    }

    [Test]
    public void TryParse_UnknownType_GenericWithRawProperties()
    {
        var parsed = Parse("""{"type":"catalog.updated","properties":{"sessionID":"s","x":1}}""");

        Assert.That(parsed.GetType(), Is.EqualTo(typeof(OpencodeEvent)));
        Assert.That(parsed.Properties.GetProperty("x").GetInt32(), Is.EqualTo(1));
    }

    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("""{"properties":{}}""")]
    [TestCase("""{"type":5}""")]
    public void TryParse_NotAnEvent_ReturnsFalse(string json)
    {
        Assert.That(OpencodeEventParser.TryParse(json, out _), Is.False);
    }
}
