using k8s.Models;
using Timonel.Scheduler.Framework;

namespace Timonel.Scheduler.Tests;

/// <summary>Builders for the nodes and pods the tests schedule.</summary>
internal static class Make
{
    private static int _uid;

    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", int pods = 110, IDictionary<string, string>? labels = null, IList<V1Taint>? taints = null, bool unschedulable = false, IDictionary<string, string>? extra = null)
    {
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new(memory),
            ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            allocatable[k] = new ResourceQuantity(v);
        }

        var l = new Dictionary<string, string>(labels ?? new Dictionary<string, string>()) { ["kubernetes.io/hostname"] = name };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = l },
            Spec = new V1NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null, string ns = "default", IDictionary<string, string>? labels = null, int? priority = null, string? nodeName = null, IDictionary<string, string>? extra = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        foreach (var (k, v) in extra ?? new Dictionary<string, string>())
        {
            requests[k] = new ResourceQuantity(v);
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = $"uid-{name}-{Interlocked.Increment(ref _uid)}", Labels = labels },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests } }],
                Priority = priority,
                NodeName = nodeName,
            },
            Status = new V1PodStatus { Phase = "Pending" },
        };
    }

    public static NodeInfo NodeInfo(V1Node node, params V1Pod[] pods)
    {
        var info = new NodeInfo(node.Metadata.Name);
        info.SetNode(node);
        foreach (var p in pods)
        {
            info.AddPod(new PodInfo(p));
        }

        return info;
    }

    public static V1NodeSelectorRequirement Req(string key, string op, string[] values) => new() { Key = key, OperatorProperty = op, Values = values };

    public static V1NodeSelector Selector(V1NodeSelectorTerm[] terms) => new() { NodeSelectorTerms = terms };

    public static V1PreferredSchedulingTerm Preferred(V1NodeSelectorTerm term, int weight) => new() { Preference = term, Weight = weight };

    public static Dictionary<string, string> Labels(params string[] pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in pairs)
        {
            var i = p.IndexOf('=', StringComparison.Ordinal);
            d[p[..i]] = p[(i + 1)..];
        }

        return d;
    }
}
