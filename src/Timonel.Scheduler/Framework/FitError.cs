using System.Text;

namespace Timonel.Scheduler.Framework;

/// <summary>
/// Why no node fits a pod, and upstream's message for it:
/// "0/N nodes are available: &lt;PreFilter message&gt;." or "0/N nodes are available: 3 Insufficient cpu,
/// 2 node(s) had untolerated taint {k: v}." (reasons counted over nodes, sorted as strings),
/// followed by the PostFilter (preemption) message.
/// </summary>
public sealed class FitError
{
    public FitError(int numAllNodes, IReadOnlyDictionary<string, Status> nodeStatuses, string? preFilterMessage, string? postFilterMessage = null)
    {
        NumAllNodes = numAllNodes;
        NodeStatuses = nodeStatuses;
        PreFilterMessage = preFilterMessage;
        PostFilterMessage = postFilterMessage;
    }

    public int NumAllNodes { get; }

    public IReadOnlyDictionary<string, Status> NodeStatuses { get; }

    public string? PreFilterMessage { get; }

    public string? PostFilterMessage { get; set; }

    /// <summary>The plugins that rejected the pod (on any node, or in PreFilter): their events may move it back.</summary>
    public HashSet<string> UnschedulablePlugins { get; } = new(StringComparer.Ordinal);

    public string Message()
    {
        var sb = new StringBuilder();
        sb.Append("0/").Append(NumAllNodes).Append(" nodes are available:");
        if (!string.IsNullOrEmpty(PreFilterMessage))
        {
            sb.Append(' ').Append(PreFilterMessage).Append('.');
        }
        else
        {
            var histogram = Histogram(NodeStatuses.Values.SelectMany(s => s.Reasons));
            if (histogram.Length > 0)
            {
                sb.Append(' ').Append(histogram).Append('.');
            }
        }

        if (!string.IsNullOrEmpty(PostFilterMessage))
        {
            sb.Append(' ').Append(PostFilterMessage);
        }

        return sb.ToString();
    }

    /// <summary>"3 Insufficient cpu, 2 node(s) ...": each reason with its count, sorted as strings like upstream.</summary>
    public static string Histogram(IEnumerable<string> reasons)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in reasons)
        {
            counts[r] = counts.GetValueOrDefault(r) + 1;
        }

        var parts = counts.Select(kv => $"{kv.Value} {kv.Key}").ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }
}
