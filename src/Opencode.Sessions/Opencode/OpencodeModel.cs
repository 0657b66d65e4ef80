namespace Opencode.Sessions.Opencode;

/// <summary>A model reference: provider id, model id and optional variant (for example <c>anthropic/claude-sonnet-4</c>).</summary>
/// <param name="ProviderId">The provider id (the key under <c>provider</c> in opencode.json).</param>
/// <param name="ModelId">The model id within the provider.</param>
/// <param name="Variant">An optional variant (reasoning effort preset), or null.</param>
public sealed record OpencodeModel(string ProviderId, string ModelId, string? Variant = null)
{
    /// <summary>Parses <c>provider/model</c>; the model part may itself contain slashes.</summary>
    /// <param name="value">The text to parse.</param>
    /// <returns>The model reference.</returns>
    /// <exception cref="ArgumentException"><paramref name="value"/> has no provider or no model part.</exception>
    public static OpencodeModel Parse(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1)
        {
            throw new ArgumentException($"A model must be written 'provider/model', not '{value}'.", nameof(value));
        }

        return new OpencodeModel(value[..slash], value[(slash + 1)..]);
    }

    /// <summary>Returns <c>provider/model</c>.</summary>
    /// <returns>The canonical text form.</returns>
    public override string ToString() => ProviderId + "/" + ModelId;
}
