namespace Opencode.Sessions;

/// <summary>A hook that runs at a point of the session lifecycle (before launch, after the session).</summary>
/// <param name="context">Access to the host, the work directory and the process context.</param>
/// <param name="cancellationToken">Cancelled when the session is cancelled.</param>
/// <returns>A task that completes when the hook is done.</returns>
public delegate Task SessionHook(HookContext context, CancellationToken cancellationToken);

/// <summary>Receives a deliverable the agent produced. Callbacks never overlap and arrive in log order.</summary>
/// <param name="context">Access to the host, the work directory and the process context.</param>
/// <param name="deliverable">The deliverable.</param>
/// <param name="cancellationToken">Cancelled when the session is cancelled.</param>
/// <returns>A task that completes when the deliverable was handled.</returns>
public delegate Task DeliverableHandler(HookContext context, Deliverable deliverable, CancellationToken cancellationToken);
