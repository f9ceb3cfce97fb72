using System.Globalization;
using k8s.Models;

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

        if (!MatchesNodeSelector(node, podSpec.NodeSelector) || !MatchesRequiredAffinity(node, podSpec.Affinity?.NodeAffinity))
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

    private static bool MatchesNodeSelector(V1Node node, IDictionary<string, string>? selector) =>
        selector is null || selector.All(s => node.Metadata.Labels?.TryGetValue(s.Key, out var v) == true && v == s.Value);

    /// <summary>Terms are ORed, a term's requirements ANDed; an empty term matches nothing (upstream's NodeSelector semantics).</summary>
    private static bool MatchesRequiredAffinity(V1Node node, V1NodeAffinity? affinity)
    {
        var terms = affinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is null)
        {
            return true;
        }

        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        var fields = new Dictionary<string, string> { ["metadata.name"] = node.Metadata.Name };
        return terms.Any(term =>
            ((term.MatchExpressions?.Count ?? 0) + (term.MatchFields?.Count ?? 0)) > 0
            && (term.MatchExpressions ?? []).All(r => Matches(r, labels))
            && (term.MatchFields ?? []).All(r => Matches(r, fields)));
    }

    private static bool Matches(V1NodeSelectorRequirement requirement, IDictionary<string, string> values)
    {
        var has = values.TryGetValue(requirement.Key, out var value);
        var options = requirement.Values ?? [];
        return requirement.OperatorProperty switch
        {
            "In" => has && options.Contains(value!),
            "NotIn" => !has || !options.Contains(value!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && Compare(value!, options) is > 0,
            "Lt" => has && Compare(value!, options) is < 0,
            _ => false,
        };
    }

    private static int? Compare(string value, IList<string> options) =>
        options.Count == 1 && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            && long.TryParse(options[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit)
            ? v.CompareTo(limit)
            : null;
}
