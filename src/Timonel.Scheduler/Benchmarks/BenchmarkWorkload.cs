using System.Globalization;
using k8s.Models;

namespace Timonel.Scheduler.Benchmarks;

/// <summary>
/// The nodes and pods of the scheduler benchmarks, shaped like kube-scheduler's scheduler_perf
/// templates: nodes with 4 CPU, 32Gi, 110 pods, spread over 10 zones; pods requesting 100m/500Mi.
/// </summary>
public static class BenchmarkWorkload
{
    public const string Basic = "basic";
    public const string Spread = "spread";
    public const string AntiAffinity = "antiaffinity";

    public static IReadOnlyList<string> Names { get; } = [Basic, Spread, AntiAffinity];

    public static V1Node Node(int i)
    {
        var name = "node-" + i.ToString(CultureInfo.InvariantCulture);
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new("4"),
            ["memory"] = new("32Gi"),
            ["pods"] = new("110"),
        };
        return new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Uid = Guid.NewGuid().ToString(),
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = name,
                    ["topology.kubernetes.io/zone"] = "zone-" + (i % 10).ToString(CultureInfo.InvariantCulture),
                    ["timonel.dev/simulated"] = "true",
                },
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable, Phase = "Running" },
        };
    }

    /// <summary>Pod <paramref name="i"/> of the workload; <paramref name="groupSize"/> bounds anti-affinity groups (at most one pod of a group per node).</summary>
    public static V1Pod Pod(string workload, int i, int groupSize)
    {
        var name = "pod-" + i.ToString(CultureInfo.InvariantCulture);
        var labels = new Dictionary<string, string> { ["app"] = "bench" };
        var spec = new V1PodSpec
        {
            SchedulerName = "default-scheduler",
            Containers =
            [
                new V1Container
                {
                    Name = "pause",
                    Image = "registry.k8s.io/pause:3.10",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("500Mi") } },
                },
            ],
        };
        switch (workload)
        {
            case Spread:
                spec.TopologySpreadConstraints =
                [
                    new V1TopologySpreadConstraint
                    {
                        MaxSkew = 1,
                        TopologyKey = "topology.kubernetes.io/zone",
                        WhenUnsatisfiable = "DoNotSchedule",
                        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "bench" } },
                    },
                ];
                break;
            case AntiAffinity:
                var group = "g" + (i / Math.Max(1, groupSize)).ToString(CultureInfo.InvariantCulture);
                labels["group"] = group;
                spec.Affinity = new V1Affinity
                {
                    PodAntiAffinity = new V1PodAntiAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution =
                        [
                            new V1PodAffinityTerm
                            {
                                TopologyKey = "kubernetes.io/hostname",
                                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["group"] = group } },
                            },
                        ],
                    },
                };
                break;
            case Basic:
                break;
            default:
                throw new ArgumentException($"--workload: unknown workload \"{workload}\" (basic, spread, antiaffinity)");
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "bench", Uid = Guid.NewGuid().ToString(), Labels = labels },
            Spec = spec,
            Status = new V1PodStatus { Phase = "Pending" },
        };
    }
}
