using System.Globalization;
using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.History;

namespace Timonel.Controllers.DaemonSet;

/// <summary>
/// How a DaemonSet's pods are made: the template plus upstream's default daemon tolerations, and a
/// required node affinity on metadata.name so the scheduler binds each pod to its node.
/// </summary>
public static class DaemonPodTemplate
{
    public const string TemplateGenerationLabel = "pod-template-generation";

    /// <summary>The tolerations every daemon pod gets (upstream's AddOrUpdateDaemonPodTolerations).</summary>
    public static IReadOnlyList<V1Toleration> DefaultTolerations(bool hostNetwork)
    {
        List<V1Toleration> tolerations =
        [
            new() { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute" },
            new() { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" },
            new() { Key = "node.kubernetes.io/disk-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/pid-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" },
            new() { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" },
        ];
        if (hostNetwork)
        {
            tolerations.Add(new() { Key = "node.kubernetes.io/network-unavailable", OperatorProperty = "Exists", Effect = "NoSchedule" });
        }

        return tolerations;
    }

    /// <summary>The template's pod spec with the default tolerations added (what eligibility is judged on).</summary>
    public static V1PodSpec SpecWithTolerations(V1PodTemplateSpec template)
    {
        var spec = KubernetesJson.Deserialize<V1PodSpec>(KubernetesJson.Serialize(template.Spec));
        var tolerations = spec.Tolerations?.ToList() ?? [];
        foreach (var t in DefaultTolerations(spec.HostNetwork == true))
        {
            if (!tolerations.Any(x => x.Key == t.Key && x.Effect == t.Effect && x.OperatorProperty == t.OperatorProperty && x.Value == t.Value && x.TolerationSeconds == t.TolerationSeconds))
            {
                tolerations.Add(t);
            }
        }

        spec.Tolerations = tolerations;
        return spec;
    }

    /// <summary>A new pod of the DaemonSet for one node, labelled with the revision hash.</summary>
    public static V1Pod NewPod(V1DaemonSet set, string nodeName, string hash)
    {
        var template = set.Spec.Template;
        var spec = SpecWithTolerations(template);
        spec.Affinity ??= new V1Affinity();
        spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        // Upstream replaces the required terms with just the node's name: the controller already checked the rest.
        spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
        {
            NodeSelectorTerms =
            [
                new V1NodeSelectorTerm
                {
                    MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [nodeName] }],
                },
            ],
        };
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [RevisionHistory.HashLabel] = hash,
            [TemplateGenerationLabel] = (set.Metadata.Generation ?? 1).ToString(CultureInfo.InvariantCulture),
        };
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = set.Metadata.Name + "-",
                NamespaceProperty = set.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata?.Annotations,
                Finalizers = template.Metadata?.Finalizers,
                OwnerReferences = [ControllerRefs.ControllerRef("apps/v1", "DaemonSet", set.Metadata)],
            },
            Spec = spec,
        };
    }

    /// <summary>The node a daemon pod is for: its binding, else the node its affinity names.</summary>
    public static string? TargetNode(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return pod.Spec.NodeName;
        }

        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        return terms?.SelectMany(t => t.MatchFields ?? [])
            .FirstOrDefault(f => f.Key == "metadata.name" && f.OperatorProperty == "In" && f.Values?.Count == 1)?.Values[0];
    }
}
