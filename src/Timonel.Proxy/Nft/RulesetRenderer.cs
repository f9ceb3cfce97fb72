using System.Globalization;
using Timonel.Proxy.Model;

namespace Timonel.Proxy.Nft;

/// <summary>
/// Renders Service ports into the per-service part of the table, following kube-proxy's
/// nftables mode: the ClusterIP is an element of the service-ips map that jumps to a chain
/// balancing with `numgen random mod N` over per-endpoint chains that DNAT; NodePorts and
/// load-balancer/external IPs enter through an external chain that applies the external
/// traffic policy; ports without endpoints are rejected by the filter hooks.
/// </summary>
public sealed class RulesetRenderer(ProxyOptions options)
{
    private readonly string? _clusterCidr = options.ClusterCidr is { } c && Cidr.TryParse(c, out var canonical) ? canonical : null;

    public DesiredRuleset Render(IEnumerable<ServiceState> services)
    {
        var ruleset = new DesiredRuleset();
        foreach (var service in services)
        {
            Render(service, ruleset);
        }

        return ruleset;
    }

    private void Render(ServiceState service, DesiredRuleset ruleset)
    {
        var info = service.Info;
        var name = info.Name;
        var cluster = EndpointSelection.Cluster(service.Endpoints);
        var needsLocal = info.ExternalPolicyLocal || info.InternalPolicyLocal;
        var local = needsLocal ? EndpointSelection.Local(service.Endpoints) : [];
        var hasExternal = info.NodePort > 0 || info.ExternalIps.Count > 0;
        var proto = info.Name.Protocol;
        var clusterKey = $"{info.ClusterIp} . {proto} . {info.Port}";

        if (cluster.Count == 0)
        {
            // Nothing can serve the port: refuse instead of letting connections hang (kube-proxy's REJECT).
            ruleset.AddElement(NftNames.NoEndpointServicesMap, clusterKey, $"goto {NftNames.RejectChain}");
            foreach (var ip in info.ExternalIps)
            {
                ruleset.AddElement(NftNames.NoEndpointServicesMap, $"{ip} . {proto} . {info.Port}", $"goto {NftNames.RejectChain}");
            }

            if (info.NodePort > 0)
            {
                ruleset.AddElement(NftNames.NoEndpointNodePortsMap, $"{proto} . {info.NodePort}", $"goto {NftNames.RejectChain}");
            }

            return;
        }

        var endpointChains = new HashSet<ProxyEndpoint>();
        var serviceChain = NftNames.ServiceChain(name);
        ruleset.Chains[serviceChain] = BalancingRules(info, cluster);
        endpointChains.UnionWith(cluster);
        var localChain = NftNames.LocalChain(name);
        if (local.Count > 0)
        {
            ruleset.Chains[localChain] = BalancingRules(info, local);
            endpointChains.UnionWith(local);
        }

        // internalTrafficPolicy Local with no endpoint on this node drops, as upstream does.
        var internalVerdict = !info.InternalPolicyLocal ? $"goto {serviceChain}"
            : local.Count > 0 ? $"goto {localChain}"
            : "drop";
        ruleset.AddElement(NftNames.ServiceIpsMap, clusterKey, internalVerdict);

        if (hasExternal)
        {
            var externalChain = NftNames.ExternalChain(name);
            ruleset.Chains[externalChain] = ExternalRules(info, serviceChain, local.Count > 0 ? localChain : null);
            foreach (var ip in info.ExternalIps)
            {
                ruleset.AddElement(NftNames.ServiceIpsMap, $"{ip} . {proto} . {info.Port}", $"goto {externalChain}");
            }

            if (info.NodePort > 0)
            {
                ruleset.AddElement(NftNames.ServiceNodePortsMap, $"{proto} . {info.NodePort}", $"goto {externalChain}");
            }
        }

        foreach (var endpoint in endpointChains)
        {
            ruleset.Chains[NftNames.EndpointChain(name, endpoint)] = EndpointRules(info, endpoint);
            if (info.AffinityTimeoutSeconds is { } timeout)
            {
                ruleset.Sets[NftNames.AffinitySet(name, endpoint, timeout)] =
                    $"type ipv4_addr ; flags dynamic,timeout ; timeout {timeout.ToString(CultureInfo.InvariantCulture)}s ;";
            }
        }
    }

    private List<string> BalancingRules(ServicePortInfo info, IReadOnlyList<ProxyEndpoint> endpoints)
    {
        var rules = new List<string>();

        // ClusterIP traffic from outside the pod network is masqueraded so replies come back through this node.
        var masquerade = _clusterCidr is null
            ? $"ip daddr {info.ClusterIp} {info.Name.Protocol} dport {info.Port} jump {NftNames.MarkForMasquerade}"
            : $"ip daddr {info.ClusterIp} {info.Name.Protocol} dport {info.Port} ip saddr != {_clusterCidr} jump {NftNames.MarkForMasquerade}";
        rules.Add(masquerade);

        if (info.AffinityTimeoutSeconds is { } timeout)
        {
            // A client seen recently goes back to the endpoint it used (each endpoint chain records its clients).
            foreach (var endpoint in endpoints)
            {
                rules.Add($"ip saddr @{NftNames.AffinitySet(info.Name, endpoint, timeout)} goto {NftNames.EndpointChain(info.Name, endpoint)}");
            }
        }

        if (endpoints.Count == 1)
        {
            rules.Add($"goto {NftNames.EndpointChain(info.Name, endpoints[0])}");
        }
        else
        {
            var arms = string.Join(", ", endpoints.Select((e, i) => $"{i.ToString(CultureInfo.InvariantCulture)} : goto {NftNames.EndpointChain(info.Name, e)}"));
            rules.Add($"numgen random mod {endpoints.Count.ToString(CultureInfo.InvariantCulture)} vmap {{ {arms} }}");
        }

        return rules;
    }

    private List<string> ExternalRules(ServicePortInfo info, string serviceChain, string? localChain)
    {
        if (!info.ExternalPolicyLocal)
        {
            // Cluster policy: any node may serve, so the source is rewritten to this node for the reply path.
            return [$"jump {NftNames.MarkForMasquerade}", $"goto {serviceChain}"];
        }

        // Local policy: the client's address is kept; only pods and the node itself may use other nodes' endpoints.
        var rules = new List<string>();
        if (_clusterCidr is not null)
        {
            rules.Add($"ip saddr {_clusterCidr} goto {serviceChain}");
        }

        rules.Add($"fib saddr type local jump {NftNames.MarkForMasquerade}");
        rules.Add($"fib saddr type local goto {serviceChain}");
        rules.Add(localChain is null ? "drop" : $"goto {localChain}");
        return rules;
    }

    private static List<string> EndpointRules(ServicePortInfo info, ProxyEndpoint endpoint)
    {
        // Hairpin: a pod reaching itself through its Service must see the reply come from the
        // node, not from its own address, or it would answer itself directly and drop the reply.
        var rules = new List<string> { $"ip saddr {endpoint.Ip} jump {NftNames.MarkForMasquerade}" };
        if (info.AffinityTimeoutSeconds is { } timeout)
        {
            rules.Add($"update @{NftNames.AffinitySet(info.Name, endpoint, timeout)} {{ ip saddr }}");
        }

        rules.Add($"meta l4proto {info.Name.Protocol} dnat to {endpoint.Ip}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}");
        return rules;
    }
}
