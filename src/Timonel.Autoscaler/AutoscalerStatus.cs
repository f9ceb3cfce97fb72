using System.Globalization;
using System.Text;
using Timonel.Autoscaler.NodeGroups;

namespace Timonel.Autoscaler;

/// <summary>What one loop saw and did per group, written as the status ConfigMap reports it.</summary>
internal sealed record GroupStatus(INodeGroup Group, int Registered, int Ready, int Candidates, bool ScaledUp);

/// <summary>
/// kube-system/cluster-autoscaler-status's "status" key in upstream's YAML layout (1.30 on):
/// the autoscaler's state, cluster-wide health, scale-up and scale-down activity, then per group.
/// </summary>
internal static class AutoscalerStatus
{
    public const string Namespace = "kube-system";
    public const string ConfigMapName = "cluster-autoscaler-status";
    public const string LastUpdatedAnnotation = "cluster-autoscaler.kubernetes.io/last-updated";

    public static string Render(DateTimeOffset now, int registered, int ready, int pending, bool scaleUpInProgress, int candidates, IReadOnlyList<GroupStatus> groups)
    {
        var time = Time(now);
        var sb = new StringBuilder();
        sb.Append("time: ").Append(time).Append('\n');
        sb.Append("autoscalerStatus: Running\n");
        sb.Append("clusterWide:\n");
        Health(sb, "  ", registered, ready, time);
        sb.Append("  scaleUp:\n");
        sb.Append("    status: ").Append(scaleUpInProgress ? "InProgress" : "NoActivity").Append('\n');
        sb.Append("    pendingPods: ").Append(pending.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("    lastProbeTime: \"").Append(time).Append("\"\n");
        sb.Append("  scaleDown:\n");
        sb.Append("    status: ").Append(candidates > 0 ? "CandidatesPresent" : "NoCandidates").Append('\n');
        sb.Append("    candidates: ").Append(candidates.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("    lastProbeTime: \"").Append(time).Append("\"\n");
        sb.Append("nodeGroups:\n");
        foreach (var g in groups)
        {
            sb.Append("- name: ").Append(g.Group.Id).Append('\n');
            Health(sb, "  ", g.Registered, g.Ready, time);
            sb.Append("    cloudProviderTarget: ").Append(g.Group.TargetSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("    minSize: ").Append(g.Group.MinSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("    maxSize: ").Append(g.Group.MaxSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("  scaleUp:\n");
            sb.Append("    status: ").Append(g.ScaledUp || g.Group.TargetSize > g.Registered ? "InProgress" : "NoActivity").Append('\n');
            sb.Append("    backoffInfo:\n      errorInfo:\n        errorCode: \"\"\n        errorMessage: \"\"\n");
            sb.Append("  scaleDown:\n");
            sb.Append("    status: ").Append(g.Candidates > 0 ? "CandidatesPresent" : "NoCandidates").Append('\n');
            sb.Append("    candidates: ").Append(g.Candidates.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

    public static string Time(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff' +0000 UTC'", CultureInfo.InvariantCulture);

    private static void Health(StringBuilder sb, string indent, int registered, int ready, string time)
    {
        sb.Append(indent).Append("health:\n");
        sb.Append(indent).Append("  status: Healthy\n");
        sb.Append(indent).Append("  nodeCounts:\n");
        sb.Append(indent).Append("    registered:\n");
        sb.Append(indent).Append("      total: ").Append(registered.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(indent).Append("      ready: ").Append(ready.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(indent).Append("      notStarted: ").Append((registered - ready).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(indent).Append("  lastProbeTime: \"").Append(time).Append("\"\n");
    }
}
