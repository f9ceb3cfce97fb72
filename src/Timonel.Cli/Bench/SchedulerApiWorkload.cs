using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Cli.Bench;

/// <summary>
/// One end-to-end scheduler workload, sized and shaped like kube-scheduler's scheduler_perf test
/// case of the same kind: nodes, unmeasured initial pods, then the measured pods.
/// SchedulingBasic/5000Nodes_10000Pods: 5,000 nodes, 1,000 initial + 10,000 measured default pods.
/// TopologySpreading/5000Nodes_5000Pods: 5,000 nodes in zones moon-1..3, 5,000 default pods, then
/// 5,000 pods with a zone spread constraint (maxSkew 5, DoNotSchedule).
/// SchedulingPodAntiAffinity/5000Nodes_2000Pods: 5,000 nodes, 1,000 initial + 2,000 measured pods,
/// each with required anti-affinity to every other (label color=green, hostname topology), in
/// namespaces sched-0 (initial) and sched-1 (measured).
/// </summary>
internal sealed record SchedulerApiWorkload(string Name, string Upstream, int Nodes, int InitPods, int MeasurePods, string[] Zones)
{
    public const string InitNamespace = "sched-0";
    public const string MeasureNamespace = "sched-1";

    public static readonly IReadOnlyList<string> Names = ["basic", "spread", "antiaffinity"];

    /// <summary>The workload at upstream's size for <paramref name="nodes"/> = 5000, scaled with the node count; basic measures <paramref name="pods"/>.</summary>
    public static SchedulerApiWorkload Create(string name, int nodes, int pods)
    {
        int Scale(int atFiveThousand) => Math.Max(1, (int)((long)atFiveThousand * nodes / 5000));
        return name switch
        {
            "basic" => new(name, "SchedulingBasic/5000Nodes_10000Pods", nodes, Scale(1000), pods, ["zone-0", "zone-1", "zone-2", "zone-3", "zone-4", "zone-5", "zone-6", "zone-7", "zone-8", "zone-9"]),
            "spread" => new(name, "TopologySpreading/5000Nodes_5000Pods", nodes, Scale(5000), Scale(5000), ["moon-1", "moon-2", "moon-3"]),
            "antiaffinity" => new(name, "SchedulingPodAntiAffinity/5000Nodes_2000Pods", nodes, Scale(1000), Scale(2000), ["zone-0", "zone-1", "zone-2", "zone-3", "zone-4", "zone-5", "zone-6", "zone-7", "zone-8", "zone-9"]),
            _ => throw new ArgumentException($"--workload: Unsupported value: \"{name}\": supported values: \"basic\", \"spread\", \"antiaffinity\", \"all\""),
        };
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Name} (as upstream {Upstream}): {Nodes} nodes, {InitPods} initial pods, {MeasurePods} measured pods");

    /// <summary>A fake node as scheduler_perf's node-default template: 4 CPU, 32Gi, 110 pods, Ready; no kubelet behind it.</summary>
    public byte[] NodeJson(int i)
    {
        var name = "node-" + i.ToString(CultureInfo.InvariantCulture);
        var resources = new JsonObject { ["cpu"] = "4", ["memory"] = "32Gi", ["pods"] = "110" };
        var node = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    ["kubernetes.io/hostname"] = name,
                    ["topology.kubernetes.io/zone"] = Zones[i % Zones.Length],
                },
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = resources.DeepClone(),
                ["allocatable"] = resources,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                ["phase"] = "Running",
            },
        };
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    /// <summary>Pod <paramref name="i"/>: initial pods are default pods (anti-affinity pods for that workload), measured pods carry the workload's constraint.</summary>
    public byte[] PodJson(bool measured, int i)
    {
        var name = (measured ? "m-" : "i-") + i.ToString(CultureInfo.InvariantCulture);
        var labels = new JsonObject();
        var spec = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "pause",
                ["image"] = "registry.k8s.io/pause:3.10",
                ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 80 }),
                ["resources"] = new JsonObject
                {
                    ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "500Mi" },
                    ["limits"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "500Mi" },
                },
            }),
        };
        if (Name == "spread" && measured)
        {
            labels["color"] = "blue";
            spec["topologySpreadConstraints"] = new JsonArray(new JsonObject
            {
                ["maxSkew"] = 5,
                ["topologyKey"] = "topology.kubernetes.io/zone",
                ["whenUnsatisfiable"] = "DoNotSchedule",
                ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["color"] = "blue" } },
            });
        }
        else if (Name == "antiaffinity")
        {
            labels["color"] = "green";
            spec["affinity"] = new JsonObject
            {
                ["podAntiAffinity"] = new JsonObject
                {
                    ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonArray(new JsonObject
                    {
                        ["labelSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["color"] = "green" } },
                        ["topologyKey"] = "kubernetes.io/hostname",
                        ["namespaces"] = new JsonArray(InitNamespace, MeasureNamespace),
                    }),
                },
            };
        }

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = spec,
        };
        return Encoding.UTF8.GetBytes(pod.ToJsonString());
    }
}
