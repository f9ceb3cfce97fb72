namespace Timonel.Kubelet.Pods;

/// <summary>What the kubelet remembers about one pod between syncs; owned by the pod's worker loop.</summary>
internal sealed class PodState
{
    public PodState(DateTime? startTime)
    {
        StartTime = startTime;
    }

    /// <summary>The ready sandbox the pod's containers run in, when known.</summary>
    public string? SandboxId { get; set; }

    public string? PodIp { get; set; }

    /// <summary>When the kubelet first saw the pod (status.startTime).</summary>
    public DateTime? StartTime { get; set; }

    /// <summary>Set once the pod is evicted: it stays Failed/Evicted.</summary>
    public string? EvictionMessage { get; set; }

    public DateTimeOffset LastEmptyDirCheck { get; set; }

    /// <summary>A resize the node cannot take now or ever: PodResizePending's reason and message.</summary>
    public (string Reason, string Message)? ResizePending { get; set; }

    /// <summary>Why applying an allocated resize failed last time (PodResizeInProgress, reason Error).</summary>
    public string? ResizeError { get; set; }

    /// <summary>
    /// The resources each running container was created or last updated with, by container id
    /// (upstream's acknowledged resources): what status.containerStatuses[].resources reports.
    /// </summary>
    public Dictionary<string, k8s.Models.V1ResourceRequirements> Applied { get; } = new(StringComparer.Ordinal);

    /// <summary>Why a container could not be started last time (image pull, config, create or start error), by container name.</summary>
    public Dictionary<string, (string Reason, string Message)> Waiting { get; } = new(StringComparer.Ordinal);
}
