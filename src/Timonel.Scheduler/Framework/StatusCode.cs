namespace Timonel.Scheduler.Framework;

/// <summary>The outcome of running a plugin, as upstream's framework.Code.</summary>
public enum StatusCode
{
    /// <summary>The plugin ran and the pod may proceed.</summary>
    Success,

    /// <summary>An internal error: the pod is retried with backoff; never caused by the pod not fitting.</summary>
    Error,

    /// <summary>The pod does not fit, but preemption might make room.</summary>
    Unschedulable,

    /// <summary>The pod does not fit and preemption would not help (e.g. node selector mismatch).</summary>
    UnschedulableAndUnresolvable,

    /// <summary>Permit only: wait before binding.</summary>
    Wait,

    /// <summary>PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped.</summary>
    Skip,
}
