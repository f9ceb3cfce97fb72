namespace Timonel.Kubelet.Pods;

/// <summary>The runtime's view of one container instance (from CRI ContainerStatus).</summary>
public enum RecordState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <summary>One container instance as the runtime reports it.</summary>
public sealed record ContainerRecord(
    string Id,
    string Name,
    int RestartCount,
    RecordState State,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    int ExitCode,
    string Reason,
    string Message,
    string Image,
    string ImageRef)
{
    /// <summary>The hash of the container spec the instance was created from (<see cref="CriLabels.ContainerHash"/>); null for instances created before it was recorded.</summary>
    public string? SpecHash { get; init; }
}

/// <summary>
/// What the status builder knows about one container of the spec: its newest instance, the one
/// before (for lastState), why it waits (image pull, backoff, config error) and its probe results.
/// </summary>
public sealed record ContainerView(ContainerRecord? Current, ContainerRecord? Previous, string? WaitingReason, string? WaitingMessage, bool Ready, bool Started);
