using k8s.Models;

namespace Timonel.Simulator;

/// <summary>What `timonel sim nodes` creates: capacity, labels and taints shared by a batch of simulated nodes.</summary>
public sealed record SimulatedNodeTemplate
{
    /// <summary>The label the simulator acts on; nodes without it belong to real kubelets.</summary>
    public const string SimulatedLabel = Timonel.Api.Nodes.SimulatedNodes.Label;

    public string Cpu { get; init; } = "32";

    public string Memory { get; init; } = "256Gi";

    public string Pods { get; init; } = "110";

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<V1Taint> Taints { get; init; } = [];

    /// <summary>The Node object for <paramref name="name"/>; status is filled by the simulator once it runs.</summary>
    public V1Node Build(string name)
    {
        var labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["node.kubernetes.io/instance-type"] = "timonel-sim",
            [SimulatedLabel] = "true",
        };
        var capacity = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal)
        {
            ["cpu"] = new ResourceQuantity(Cpu),
            ["memory"] = new ResourceQuantity(Memory),
            ["pods"] = new ResourceQuantity(Pods),
            ["ephemeral-storage"] = new ResourceQuantity("100Gi"),
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1NodeSpec { Taints = Taints.Count == 0 ? null : Taints.ToList() },
            Status = new V1NodeStatus { Capacity = capacity, Allocatable = new Dictionary<string, ResourceQuantity>(capacity) },
        };
    }

    /// <summary>Parses "k=v,k2=v2".</summary>
    public static Dictionary<string, string> ParseLabels(string? text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"label \"{pair}\" is not key=value");
            }

            labels[pair[..eq]] = pair[(eq + 1)..];
        }

        return labels;
    }

    /// <summary>Parses "key=value:Effect,key:Effect" as kubectl taint does.</summary>
    public static List<V1Taint> ParseTaints(string? text)
    {
        var taints = new List<V1Taint>();
        foreach (var spec in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = spec.LastIndexOf(':');
            if (colon <= 0)
            {
                throw new ArgumentException($"taint \"{spec}\" must be key[=value]:Effect");
            }

            var effect = spec[(colon + 1)..];
            if (effect is not ("NoSchedule" or "PreferNoSchedule" or "NoExecute"))
            {
                throw new ArgumentException($"taint \"{spec}\": effect must be NoSchedule, PreferNoSchedule or NoExecute");
            }

            var keyValue = spec[..colon];
            var eq = keyValue.IndexOf('=', StringComparison.Ordinal);
            taints.Add(eq < 0
                ? new V1Taint { Key = keyValue, Effect = effect }
                : new V1Taint { Key = keyValue[..eq], Value = keyValue[(eq + 1)..], Effect = effect });
        }

        return taints;
    }
}
