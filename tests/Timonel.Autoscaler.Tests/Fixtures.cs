using k8s.Models;
using Timonel.Autoscaler.NodeGroups;
using Timonel.Autoscaler.Simulation;
using Timonel.Scheduler.Framework;

namespace Timonel.Autoscaler.Tests;

/// <summary>Nodes, pods and groups for the planner and estimator tests (no cluster).</summary>
internal static class Fixtures
{
    public static NodeGroupSpec Spec(string name = "pool", int min = 0, int max = 10, string cpu = "4", string memory = "16Gi") =>
        new() { Name = name, MinSize = min, MaxSize = max, Cpu = cpu, Memory = memory };

    /// <summary>A provider of simulated groups; nothing here calls the API.</summary>
    public static INodeGroupProvider Provider(params NodeGroupSpec[] specs) =>
        new NodeGroupProvider("simulated", [.. specs.Select(s => (NodeGroup)new SimulatedNodeGroup(s, null!))]);

    public static V1Pod Pod(string name, string cpu, string? node = null, string ns = "default", bool controlled = true)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = Guid.NewGuid().ToString(),
                Labels = new Dictionary<string, string> { ["app"] = "web" },
                OwnerReferences = controlled ? [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = "rs-uid", Controller = true }] : null,
            },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = [new V1Container { Name = "app", Image = "busybox", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new("100Mi") } } }],
            },
            Status = new V1PodStatus { Phase = node is null ? "Pending" : "Running" },
        };
        return pod;
    }

    /// <summary>A NodeInfo for a node of <paramref name="spec"/> (or of no group when null) holding <paramref name="pods"/>.</summary>
    public static NodeInfo Node(string name, NodeGroupSpec? spec, params V1Pod[] pods)
    {
        var node = (spec ?? Spec("none")).Template().Build(name);
        if (spec is null)
        {
            node.Metadata.Labels.Remove(NodeGroupLabels.Group);
        }

        foreach (var pod in pods)
        {
            pod.Spec.NodeName = name;
        }

        return FitChecker.NodeInfoOf(node, pods);
    }
}
