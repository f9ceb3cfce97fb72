using System.Globalization;
using k8s.Models;

namespace Timonel.Kubelet.Node;

/// <summary>Readings that decide the node's conditions.</summary>
/// <param name="DiskPressure">The eviction manager's verdict on the image and node filesystems (see Pods.DiskPressureMonitor).</param>
public sealed record NodeHealth(bool RuntimeReady, string? RuntimeMessage, long MemoryAvailableBytes, bool DiskPressure, int Processes, int PidMax);

/// <summary>Computes the Node's status (capacity, addresses, conditions, nodeInfo) as upstream's kubelet reports it.</summary>
public static class NodeStatusBuilder
{
    /// <summary>Upstream's default hard eviction thresholds: memory.available &lt; 100Mi, nodefs.available &lt; 10%.</summary>
    public const long MemoryPressureBytes = 100L * 1024 * 1024;
    public const double DiskPressureFraction = 0.10;

    /// <summary>The node's capacity, which is also its allocatable (no reservations): what the status reports and resizes are fitted against.</summary>
    public static Dictionary<string, ResourceQuantity> Capacity(MachineInfo machine) => new()
    {
        ["cpu"] = new(machine.Cpus.ToString(CultureInfo.InvariantCulture)),
        ["memory"] = new($"{machine.MemoryBytes / 1024}Ki"),
        ["pods"] = new("110"),
        ["ephemeral-storage"] = new($"{machine.DiskBytes / 1024}Ki"),
    };

    public static V1NodeStatus Build(KubeletOptions options, MachineInfo machine, NodeHealth health, IList<V1NodeCondition>? previous, string runtimeVersion, DateTime now)
    {
        var capacity = Capacity(machine);
        return new V1NodeStatus
        {
            Capacity = capacity,
            Allocatable = new Dictionary<string, ResourceQuantity>(capacity),
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = options.NodeIp.ToString() },
                new V1NodeAddress { Type = "Hostname", Address = options.NodeName },
            ],
            Conditions =
            [
                Condition(previous, "MemoryPressure", health.MemoryAvailableBytes < MemoryPressureBytes, "KubeletHasInsufficientMemory", "KubeletHasSufficientMemory", "kubelet has {0} memory available", now),
                Condition(previous, "DiskPressure", health.DiskPressure, "KubeletHasDiskPressure", "KubeletHasNoDiskPressure", "kubelet has {0} disk pressure", now),
                Condition(previous, "PIDPressure", health.PidMax > 0 && health.Processes > health.PidMax * 0.9, "KubeletHasInsufficientPID", "KubeletHasSufficientPID", "kubelet has {0} PID available", now),
                ReadyCondition(previous, health, now),
            ],
            NodeInfo = new V1NodeSystemInfo
            {
                MachineID = machine.MachineId,
                SystemUUID = machine.MachineId,
                BootID = string.Empty,
                KernelVersion = machine.KernelVersion,
                OsImage = machine.OsImage,
                OperatingSystem = "linux",
                Architecture = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64",
                ContainerRuntimeVersion = runtimeVersion,
                KubeletVersion = options.KubeletVersion,
                KubeProxyVersion = options.KubeletVersion,
            },
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = options.ServerPort } },
        };
    }

    private static V1NodeCondition Condition(IList<V1NodeCondition>? previous, string type, bool pressure, string trueReason, string falseReason, string message, DateTime now)
    {
        var status = pressure ? "True" : "False";
        var reason = pressure ? trueReason : falseReason;
        var text = string.Format(CultureInfo.InvariantCulture, message, pressure ? "insufficient" : "sufficient");
        if (type == "DiskPressure")
        {
            text = pressure ? "kubelet has disk pressure" : "kubelet has no disk pressure";
        }

        return Make(previous, type, status, reason, text, now);
    }

    private static V1NodeCondition ReadyCondition(IList<V1NodeCondition>? previous, NodeHealth health, DateTime now) =>
        health.RuntimeReady
            ? Make(previous, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now)
            : Make(previous, "Ready", "False", "KubeletNotReady", health.RuntimeMessage ?? "container runtime is down", now);

    /// <summary>lastTransitionTime moves only when the status flips, as upstream.</summary>
    private static V1NodeCondition Make(IList<V1NodeCondition>? previous, string type, string status, string reason, string message, DateTime now)
    {
        var old = previous?.FirstOrDefault(c => c.Type == type);
        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = now,
            LastTransitionTime = old is not null && old.Status == status ? old.LastTransitionTime : now,
        };
    }
}
