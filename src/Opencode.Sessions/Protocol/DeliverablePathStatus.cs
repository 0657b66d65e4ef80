namespace Opencode.Sessions.Protocol;

/// <summary>The verdict on a path announced by a <c>DELIVERABLE:</c> line.</summary>
internal enum DeliverablePathStatus
{
    /// <summary>The path names (lexically) something strictly under <c>&lt;workdir&gt;/deliverables</c>; it is opened by descriptor later.</summary>
    Valid,

    /// <summary>The path resolves outside the work directory (absolute path elsewhere, <c>../</c>).</summary>
    EscapesWorkdir,

    /// <summary>The path is inside the work directory but not strictly under <c>deliverables/</c>.</summary>
    NotUnderDeliverables,
}
