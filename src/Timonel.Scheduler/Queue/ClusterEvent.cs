namespace Timonel.Scheduler.Queue;

/// <summary>The kinds of object whose changes can make an unschedulable pod schedulable.</summary>
public enum EventResource
{
    /// <summary>A pod bound to a node (added, changed, deleted).</summary>
    AssignedPod,

    /// <summary>A pod not yet bound (the pod itself changed).</summary>
    UnscheduledPod,
    Node,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    PodDisruptionBudget,
    Namespace,

    /// <summary>Matches every resource (a registration only).</summary>
    Wildcard,
}

/// <summary>What happened to the object. Update flavours let plugins subscribe to the parts they care about.</summary>
[Flags]
public enum ActionType
{
    None = 0,
    Add = 1,
    Delete = 2,
    UpdateNodeAllocatable = 4,
    UpdateNodeLabel = 8,
    UpdateNodeTaint = 16,
    UpdateNodeCondition = 32,
    UpdatePodLabel = 64,
    UpdatePodScaleDown = 128,
    UpdatePodToleration = 256,
    UpdateOther = 512,
    Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition | UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration | UpdateOther,
    All = Add | Delete | Update,
}

/// <summary>A change in the cluster: which kind of object, what happened.</summary>
public readonly record struct ClusterEvent(EventResource Resource, ActionType Action)
{
    /// <summary>Whether a registration (<paramref name="registered"/>) covers this concrete event.</summary>
    public bool IsCoveredBy(ClusterEvent registered) =>
        (registered.Resource == EventResource.Wildcard || registered.Resource == Resource) && (registered.Action & Action) != 0;

    public static ClusterEvent UnschedulableTimeout { get; } = new(EventResource.Wildcard, ActionType.All);

    public override string ToString() => $"{Resource}/{Action}";
}

/// <summary>Whether a pod should be retried after an event.</summary>
public enum QueueingHint
{
    Skip,
    Queue,
}

/// <summary>Looks at an event's old and new objects for one rejected pod and says whether it might now fit.</summary>
public delegate QueueingHint QueueingHintFunction(Framework.PodInfo pod, object? oldObject, object? newObject);

/// <summary>A plugin's interest in an event, with an optional hint (null: always Queue).</summary>
public sealed record ClusterEventWithHint(ClusterEvent Event, QueueingHintFunction? Hint = null);
