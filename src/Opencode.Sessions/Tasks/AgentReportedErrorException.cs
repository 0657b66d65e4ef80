namespace Opencode.Sessions;

/// <summary>The agent wrote an <c>ERROR</c> line to the log channel: it cannot continue.</summary>
public sealed class AgentReportedErrorException : OpencodeSessionsException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="agentMessage">The text after <c>ERROR:</c>, or <see langword="null"/> when the agent gave none.</param>
    public AgentReportedErrorException(string? agentMessage)
        : base(string.IsNullOrEmpty(agentMessage) ? "The agent reported ERROR (no message)." : $"The agent reported ERROR: {agentMessage}")
    {
        AgentMessage = agentMessage;
    }

    /// <summary>Gets the agent's message, if any.</summary>
    public string? AgentMessage { get; }
}
