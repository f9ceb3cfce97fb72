using k8s.Models;

namespace Timonel.Simulator;

/// <summary>
/// The status a healthy kubelet posts for its node: Ready, no pressure, node info, addresses,
/// allocatable. A node without a pod subnet is not Ready (its pods could get no address), as a
/// kubelet whose network plugin is not ready: the node lifecycle controller then taints it, so
/// the scheduler places pods elsewhere instead of on a node where they would stay Pending.
/// </summary>
internal static class NodeStatusBuilder
{
    /// <summary>The version the simulated kubelets report; the API server's own version.</summary>
    public const string KubeletVersion = "v1.33.0+timonel";

    public const string ContainerRuntimeVersion = "timonel-sim://1";

    private static readonly (string Type, string Status, string Reason, string Message)[] HealthyConditions =
    [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ];

    /// <summary>The Ready condition while the node has no spec.podCIDR (the kubelet's wording for a network plugin that is not ready).</summary>
    internal static readonly (string Type, string Status, string Reason, string Message) NetworkNotReady =
        ("Ready", "False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:no pod CIDR assigned to the node yet");

    private static readonly Dictionary<string, ResourceQuantity> DefaultCapacity = new(StringComparer.Ordinal)
    {
        ["cpu"] = new ResourceQuantity("32"),
        ["memory"] = new ResourceQuantity("256Gi"),
        ["pods"] = new ResourceQuantity("110"),
        ["ephemeral-storage"] = new ResourceQuantity("100Gi"),
    };

    /// <summary>
    /// The status to post, or null when the node already reports it and its heartbeat is younger
    /// than <paramref name="reportFrequency"/>.
    /// </summary>
    public static V1NodeStatus? Desired(V1Node node, DateTime now, TimeSpan reportFrequency)
    {
        var current = node.Status ?? new V1NodeStatus();
        var capacity = current.Capacity is { Count: > 0 } c ? c : DefaultCapacity;
        var addresses = new List<V1NodeAddress>
        {
            new() { Type = "InternalIP", Address = FakeAddresses.NodeInternalIp(node.Metadata.Name, node.Spec?.PodCIDR) },
            new() { Type = "Hostname", Address = node.Metadata.Name },
        };
        var info = NodeInfo(node, current.NodeInfo);
        var wanted = WantedConditions(node);

        var ready = current.Conditions?.FirstOrDefault(x => x.Type == "Ready");
        var stale = ready?.LastHeartbeatTime is not { } beat || now - beat.ToUniversalTime() >= reportFrequency;
        var changed = stale
            || wanted.Any(h => current.Conditions?.FirstOrDefault(x => x.Type == h.Type) is not { } cond || cond.Status != h.Status || cond.Reason != h.Reason)
            || !SameAddresses(current.Addresses, addresses)
            || current.NodeInfo?.ContainerRuntimeVersion != ContainerRuntimeVersion
            || current.NodeInfo?.KubeletVersion != KubeletVersion
            || current.Capacity is not { Count: > 0 }
            || !SameQuantities(current.Allocatable, capacity)
            || current.DaemonEndpoints?.KubeletEndpoint?.Port != 10250;
        if (!changed)
        {
            return null;
        }

        var conditions = (current.Conditions ?? []).Where(x => !HealthyConditions.Any(h => h.Type == x.Type)).ToList();
        foreach (var (type, status, reason, message) in wanted)
        {
            var old = current.Conditions?.FirstOrDefault(x => x.Type == type);
            conditions.Add(new V1NodeCondition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                LastHeartbeatTime = now,
                LastTransitionTime = old?.Status == status && old.LastTransitionTime is { } t ? t : now,
            });
        }

        return new V1NodeStatus
        {
            Conditions = conditions,
            Addresses = addresses,
            NodeInfo = info,
            Capacity = new Dictionary<string, ResourceQuantity>(capacity, StringComparer.Ordinal),
            Allocatable = new Dictionary<string, ResourceQuantity>(capacity, StringComparer.Ordinal),
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
        };
    }

    /// <summary>The conditions to report: the healthy ones, with Ready False while the node has no pod subnet.</summary>
    internal static (string Type, string Status, string Reason, string Message)[] WantedConditions(V1Node node) =>
        string.IsNullOrEmpty(node.Spec?.PodCIDR)
            ? [.. HealthyConditions.Select(h => h.Type == NetworkNotReady.Type ? NetworkNotReady : h)]
            : HealthyConditions;

    private static V1NodeSystemInfo NodeInfo(V1Node node, V1NodeSystemInfo? current)
    {
        var id = FakeAddresses.HexId("machine/" + node.Metadata.Name)[..32];
        var labels = node.Metadata.Labels;
        return new V1NodeSystemInfo
        {
            MachineID = id,
            SystemUUID = current?.SystemUUID ?? Guid.ParseExact(id, "N").ToString(),
            BootID = current?.BootID ?? FakeAddresses.HexId("boot/" + node.Metadata.Uid)[..32],
            KernelVersion = "6.1.0-timonel-sim",
            OsImage = "Timonel simulated node",
            ContainerRuntimeVersion = ContainerRuntimeVersion,
            KubeletVersion = KubeletVersion,
            KubeProxyVersion = KubeletVersion,
            OperatingSystem = (labels is not null && labels.TryGetValue("kubernetes.io/os", out var os) ? os : "linux"),
            Architecture = (labels is not null && labels.TryGetValue("kubernetes.io/arch", out var arch) ? arch : "amd64"),
        };
    }

    private static bool SameAddresses(IList<V1NodeAddress>? a, List<V1NodeAddress> b) =>
        a is not null && a.Count == b.Count && a.Zip(b).All(p => p.First.Type == p.Second.Type && p.First.Address == p.Second.Address);

    private static bool SameQuantities(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity> b) =>
        a is not null && a.Count == b.Count && b.All(kv => a.TryGetValue(kv.Key, out var q) && q.ToString() == kv.Value.ToString());
}
