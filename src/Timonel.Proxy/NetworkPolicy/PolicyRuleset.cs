using System.Text;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>A NetworkPolicy that cannot be turned into rules, and why.</summary>
public sealed record PolicyError(string Namespace, string Name, string Message);

/// <summary>
/// The compiled `table inet timonel-netpol`: one chain per isolated local pod and direction
/// (allow rules that `return`, then `drop`), and the maps from pod IP to that chain.
/// </summary>
public sealed class PolicyRuleset
{
    public SortedDictionary<string, List<string>> Chains { get; } = new(StringComparer.Ordinal);

    /// <summary>Local pods isolated for ingress: pod IP → their chain.</summary>
    public SortedDictionary<string, string> IngressPods { get; } = new(StringComparer.Ordinal);

    /// <summary>Local pods isolated for egress: pod IP → their chain.</summary>
    public SortedDictionary<string, string> EgressPods { get; } = new(StringComparer.Ordinal);

    /// <summary>Policies that could not be compiled; a ruleset with any must not be applied.</summary>
    public List<PolicyError> Errors { get; } = [];

    /// <summary>The rules of the hook chain, in order.</summary>
    public static IReadOnlyList<string> ForwardRules { get; } =
    [
        // Replies and connections admitted before a policy changed keep flowing (as upstream's plugins do).
        "ct state established,related accept",
        $"ip saddr vmap @{PolicyNames.EgressPodsMap}",
        $"ip daddr vmap @{PolicyNames.IngressPodsMap}",
    ];

    /// <summary>
    /// The whole table as one `nft -f` transaction: the old table goes and the new one comes in
    /// the same commit, so the kernel never holds a part of it.
    /// </summary>
    public string Render()
    {
        const string t = PolicyNames.Family + " " + PolicyNames.Table;
        var script = new StringBuilder();
        script.Append("add table ").Append(t).Append('\n');
        script.Append("delete table ").Append(t).Append('\n');
        script.Append("add table ").Append(t).Append('\n');
        foreach (var (name, rules) in Chains)
        {
            script.Append("add chain ").Append(t).Append(' ').Append(name).Append('\n');
            foreach (var rule in rules)
            {
                script.Append("add rule ").Append(t).Append(' ').Append(name).Append(' ').Append(rule).Append('\n');
            }
        }

        foreach (var (map, pods) in new[] { (PolicyNames.IngressPodsMap, IngressPods), (PolicyNames.EgressPodsMap, EgressPods) })
        {
            script.Append("add map ").Append(t).Append(' ').Append(map).Append(" { type ipv4_addr : verdict ; }\n");
            if (pods.Count > 0)
            {
                script.Append("add element ").Append(t).Append(' ').Append(map).Append(" { ")
                    .AppendJoin(", ", pods.Select(p => $"{p.Key} : jump {p.Value}")).Append(" }\n");
            }
        }

        // Priority filter (0): after the proxy's DNAT in prerouting, so a ClusterIP connection is judged by the pod it reaches.
        script.Append("add chain ").Append(t).Append(' ').Append(PolicyNames.ForwardChain)
            .Append(" { type filter hook forward priority filter ; policy accept ; }\n");
        foreach (var rule in ForwardRules)
        {
            script.Append("add rule ").Append(t).Append(' ').Append(PolicyNames.ForwardChain).Append(' ').Append(rule).Append('\n');
        }

        return script.ToString();
    }
}
