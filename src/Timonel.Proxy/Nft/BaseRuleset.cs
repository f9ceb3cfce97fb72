namespace Timonel.Proxy.Nft;

/// <summary>One fixed chain of Timonel's table: its hook declaration (null for a regular chain) and rules.</summary>
public sealed record BaseChain(string Name, string? Hook, IReadOnlyList<string> Rules);

/// <summary>
/// The fixed skeleton of `table ip timonel`: hooks into NAT and filter, the verdict maps every
/// Service port is an element of, masquerading by packet mark, and rejection of Services that
/// have no endpoints. Per-service chains hang off the maps.
/// </summary>
public static class BaseRuleset
{
    /// <summary>The packet mark that asks the postrouting hook to masquerade (kube-proxy's 0x4000).</summary>
    public const string MasqueradeMark = "0x4000";

    public static IReadOnlyList<(string Name, string Declaration)> Maps { get; } =
    [
        (NftNames.ServiceIpsMap, "type ipv4_addr . inet_proto . inet_service : verdict ;"),
        (NftNames.ServiceNodePortsMap, "type inet_proto . inet_service : verdict ;"),
        (NftNames.NoEndpointServicesMap, "type ipv4_addr . inet_proto . inet_service : verdict ;"),
        (NftNames.NoEndpointNodePortsMap, "type inet_proto . inet_service : verdict ;"),
    ];

    /// <summary>The nodeport-ips set's declaration (used only when --nodeport-addresses is given).</summary>
    public const string NodePortIpsDeclaration = "type ipv4_addr ; flags interval ;";

    public static IReadOnlyList<BaseChain> Chains(ProxyOptions options)
    {
        // Which destinations are node addresses for NodePorts: every local address (the default,
        // through the FIB) or the addresses inside --nodeport-addresses.
        var nodePortMatch = options.NodePortAddresses.Count == 0
            ? "fib daddr type local ip daddr != 127.0.0.0/8"
            : $"ip daddr @{NftNames.NodePortIpsSet} fib daddr type local";
        return
        [
            new(NftNames.MarkForMasquerade, null, [$"meta mark set meta mark or {MasqueradeMark}"]),
            new(NftNames.Masquerading, null,
            [
                $"meta mark & {MasqueradeMark} == 0 return",
                $"meta mark set meta mark xor {MasqueradeMark}",
                "masquerade fully-random",
            ]),
            new(NftNames.Services, null,
            [
                $"ip daddr . meta l4proto . th dport vmap @{NftNames.ServiceIpsMap}",
                $"{nodePortMatch} meta l4proto . th dport vmap @{NftNames.ServiceNodePortsMap}",
            ]),
            new(NftNames.RejectChain, null,
            [
                "meta l4proto tcp reject with tcp reset",
                "reject with icmp type port-unreachable",
            ]),
            new(NftNames.EndpointsCheck, null,
            [
                $"ip daddr . meta l4proto . th dport vmap @{NftNames.NoEndpointServicesMap}",
                $"{nodePortMatch} meta l4proto . th dport vmap @{NftNames.NoEndpointNodePortsMap}",
            ]),
            new("nat-prerouting", "type nat hook prerouting priority -100 ;", [$"jump {NftNames.Services}"]),
            new("nat-output", "type nat hook output priority -100 ;", [$"jump {NftNames.Services}"]),
            new("nat-postrouting", "type nat hook postrouting priority 100 ;", [$"jump {NftNames.Masquerading}"]),

            // Before NAT (priority -110), only new connections: a Service port with no endpoints is refused.
            new("filter-input", "type filter hook input priority -110 ;", [$"ct state new jump {NftNames.EndpointsCheck}"]),
            new("filter-forward", "type filter hook forward priority -110 ;", [$"ct state new jump {NftNames.EndpointsCheck}"]),
            new("filter-output", "type filter hook output priority -110 ;", [$"ct state new jump {NftNames.EndpointsCheck}"]),
        ];
    }
}
