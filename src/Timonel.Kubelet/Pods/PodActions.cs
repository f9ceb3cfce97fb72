using k8s.Models;
using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Pods;

/// <summary>
/// What one sync must do to a pod in the runtime (upstream's podActions): stop dead sandboxes,
/// create a new one, and per container of the spec (init containers first) whether to kill the
/// running instance and whether to start a new one.
/// </summary>
internal sealed record PodActions
{
    /// <summary>Stop every sandbox of the pod first: none is ready, and a new one is created.</summary>
    public bool KillPod { get; init; }

    public bool CreateSandbox { get; init; }

    /// <summary>The attempt number of the sandbox to create (unique names in the runtime).</summary>
    public uint Attempt { get; init; }

    /// <summary>The ready sandbox the pod keeps using.</summary>
    public PodSandbox? Sandbox { get; init; }

    public required IReadOnlyList<ContainerAction> Containers { get; init; }

    public IEnumerable<ContainerAction> ToStart => Containers.Where(c => c.Start);

    public IEnumerable<ContainerAction> ToKill => Containers.Where(c => c.KillReason is not null);
}

/// <summary>One container of the spec in a sync: its newest and previous instances and what to do with them.</summary>
internal sealed record ContainerAction(V1Container Container, bool Init, ContainerRecord? Current, ContainerRecord? Previous)
{
    /// <summary>Kill the running instance first, for this reason (a failed probe, a changed spec).</summary>
    public string? KillReason { get; init; }

    /// <summary>Start a new instance (the first one, or a restart).</summary>
    public bool Start { get; init; }

    /// <summary>Keep the running instance; readiness comes from its probes.</summary>
    public bool Probed { get; init; }

    /// <summary>The status's started flag for an instance neither started nor probed now (a running or finished init container).</summary>
    public bool Started { get; init; }

    /// <summary>An app container waiting for init containers: the status shows it PodInitializing.</summary>
    public bool Blocked { get; init; }
}
