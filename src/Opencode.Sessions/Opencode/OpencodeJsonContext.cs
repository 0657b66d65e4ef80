using System.Text.Json.Serialization;

namespace Opencode.Sessions.Opencode;

/// <summary>Source-generated (reflection-free, trimming-safe) JSON metadata for the wire models.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(OpencodeHealth))]
[JsonSerializable(typeof(OpencodeSession))]
[JsonSerializable(typeof(List<OpencodeSession>))]
[JsonSerializable(typeof(OpencodeMessage))]
[JsonSerializable(typeof(List<OpencodeMessage>))]
[JsonSerializable(typeof(OpencodeMessageInfo))]
[JsonSerializable(typeof(OpencodePart))]
[JsonSerializable(typeof(OpencodeMessageError))]
[JsonSerializable(typeof(OpencodeSessionStatus))]
[JsonSerializable(typeof(Dictionary<string, OpencodeSessionStatus>))]
[JsonSerializable(typeof(OpencodeQuestion))]
[JsonSerializable(typeof(List<OpencodeQuestion>))]
[JsonSerializable(typeof(OpencodeToolReference))]
[JsonSerializable(typeof(List<OpencodeTodo>))]
[JsonSerializable(typeof(bool))]
internal sealed partial class OpencodeJsonContext : JsonSerializerContext
{
}
