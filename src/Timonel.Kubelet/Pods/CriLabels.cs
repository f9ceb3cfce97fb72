namespace Timonel.Kubelet.Pods;

/// <summary>
/// Labels and annotations the kubelet puts on CRI sandboxes and containers, upstream's names:
/// after an agent restart they say which pod and container each runtime object belongs to.
/// </summary>
public static class CriLabels
{
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string ContainerName = "io.kubernetes.container.name";
    public const string ContainerType = "timonel.dev/container-type";
    public const string RestartCount = "io.kubernetes.container.restartCount";
    /// <summary>The hash of the container's spec fields that may change (<see cref="ContainerSpecHash.Of"/>): a changed hash restarts the container.</summary>
    public const string ContainerHash = "io.kubernetes.container.hash";
    public const string TerminationGrace = "io.kubernetes.pod.terminationGracePeriod";
    public const string Managed = "timonel.dev/managed";
}
