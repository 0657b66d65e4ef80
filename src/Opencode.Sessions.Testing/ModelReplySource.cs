namespace Opencode.Sessions.Testing;

/// <summary>Where the <see cref="ScriptedModelServer"/> took the answer to a <see cref="ModelRequest"/> from.</summary>
public enum ModelReplySource
{
    /// <summary>A title-generation request, answered with <see cref="ScriptedModelServerOptions.TitleText"/>.</summary>
    Title,

    /// <summary>The <see cref="ScriptedModelServerOptions.Responder"/> returned the reply.</summary>
    Responder,

    /// <summary>The script registered for the request's opencode session id.</summary>
    SessionScript,

    /// <summary>The script registered for the request's working directory.</summary>
    DirectoryScript,

    /// <summary>The default script.</summary>
    DefaultScript,

    /// <summary>The applicable script was empty: answered with <see cref="ScriptedModelServerOptions.FallbackText"/>.</summary>
    ScriptExhausted,

    /// <summary>The request was invalid (not JSON, not streaming, wrong API key) and was answered with a 4xx status.</summary>
    Rejected,
}
