using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Controllers.DaemonSet;

/// <summary>Whether a daemon pod belongs on a node: should one be created there, and may an existing one stay.</summary>
public readonly record struct NodeFit(bool ShouldRun, bool ShouldContinueRunning);

/// <summary>
/// Upstream's nodeShouldRunDaemonPod: the template's nodeName, nodeSelector and required node
/// affinity must match the node; NoSchedule and NoExecute taints must be tolerated (with the
/// DaemonSet default tolerations added). A pod already there stays unless a NoExecute taint is untolerated.
/// </summary>
public static class NodeEligibility
{
    public static NodeFit Check(V1Node node, V1PodSpec podSpec)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(podSpec);
        if (!string.IsNullOrEmpty(podSpec.NodeName) && podSpec.NodeName != node.Metadata.Name)
        {
            return new NodeFit(false, false);
        }

        if (!RequiredNodeAffinity.Of(podSpec).Matches(node))
        {
            return new NodeFit(false, false);
        }

        var tolerations = podSpec.Tolerations ?? [];
        var taints = node.Spec?.Taints ?? [];
        var untolerated = taints.Where(t => t.Effect is "NoSchedule" or "NoExecute" && !tolerations.Any(x => Tolerates(x, t))).ToList();
        if (untolerated.Count == 0)
        {
            return new NodeFit(true, true);
        }

        return new NodeFit(false, !untolerated.Any(t => t.Effect == "NoExecute"));
    }

    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => !string.IsNullOrEmpty(toleration.Key) && (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }
}
