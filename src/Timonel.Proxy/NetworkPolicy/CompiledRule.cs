using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Proxy.NetworkPolicy;

/// <summary>
/// One ingress or egress rule of a policy, its peers resolved to addresses: the nft match of
/// each peer, crossed with the match of each port, each pair an allow (`return`) rule.
/// </summary>
internal sealed class CompiledRule
{
    private readonly List<Peer>? _peers;
    private readonly List<Port>? _ports;
    private readonly string _direction;
    private readonly PolicyCompiler.Context _context;

    private CompiledRule(List<Peer>? peers, List<Port>? ports, string direction, PolicyCompiler.Context context)
    {
        _peers = peers;
        _ports = ports;
        _direction = direction;
        _context = context;
    }

    /// <param name="direction">"saddr" for ingress rules (the peer is the source), "daddr" for egress.</param>
    public static CompiledRule Create(IList<V1NetworkPolicyPeer>? peers, IList<V1NetworkPolicyPort>? ports, string ns, PolicyCompiler.Context context, string direction, string field)
    {
        List<Peer>? compiledPeers = null;
        if (peers is { Count: > 0 })
        {
            compiledPeers = [];
            for (var i = 0; i < peers.Count; i++)
            {
                var peerField = $"{field}.{(direction == "saddr" ? "from" : "to")}[{i}]";
                compiledPeers.Add(CompilePeer(peers[i], ns, context, direction, peerField));
            }
        }

        List<Port>? compiledPorts = null;
        if (ports is { Count: > 0 })
        {
            compiledPorts = [];
            for (var i = 0; i < ports.Count; i++)
            {
                compiledPorts.Add(CompilePort(ports[i], $"{field}.ports[{i}]"));
            }
        }

        return new CompiledRule(compiledPeers, compiledPorts, direction, context);
    }

    /// <summary>The allow rules of an ingress rule for one selected pod (named ports are the pod's own).</summary>
    public IEnumerable<string> IngressRules(PolicyPod target)
    {
        var portMatches = _ports is null ? [""] : _ports.SelectMany(p => p.Name is null ? [p.Match()] : target.Ports.Where(n => n.Name == p.Name && n.Protocol == p.Protocol).Select(n => n.Number).Distinct().Select(n => p.Match(n)));
        return Cross(PeerMatches(), portMatches);
    }

    /// <summary>The allow rules of an egress rule (named ports are those of the destination pods).</summary>
    public IEnumerable<string> EgressRules()
    {
        var rules = new List<string>();
        var numbered = _ports?.Where(p => p.Name is null).Select(p => p.Match()).ToList();
        if (_ports is null || numbered!.Count > 0)
        {
            rules.AddRange(Cross(PeerMatches(), numbered ?? [""]));
        }

        foreach (var port in _ports?.Where(p => p.Name is not null) ?? [])
        {
            // Each destination pod that has the port by that name, grouped by the number it has there.
            var candidates = _peers is null ? _context.All : _peers.SelectMany(p => p.Pods);
            var byNumber = new SortedDictionary<int, SortedSet<string>>();
            foreach (var pod in candidates)
            {
                foreach (var named in pod.Ports.Where(n => n.Name == port.Name && n.Protocol == port.Protocol))
                {
                    if (!byNumber.TryGetValue(named.Number, out var ips))
                    {
                        byNumber[named.Number] = ips = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    ips.Add(pod.Ip);
                }
            }

            foreach (var (number, ips) in byNumber)
            {
                rules.Add($"ip daddr {{ {string.Join(", ", ips)} }} {port.Match(number)} return");
            }
        }

        return rules;
    }

    private IEnumerable<string> PeerMatches() => _peers is null ? [""] : _peers.Where(p => p.Match is not null).Select(p => p.Match!);

    private static IEnumerable<string> Cross(IEnumerable<string> peers, IEnumerable<string> ports)
    {
        var portList = ports.ToList();
        foreach (var peer in peers)
        {
            foreach (var port in portList)
            {
                var match = string.Join(' ', new[] { peer, port }.Where(s => s.Length > 0));
                yield return match.Length == 0 ? "return" : $"{match} return";
            }
        }
    }

    private static Peer CompilePeer(V1NetworkPolicyPeer peer, string ns, PolicyCompiler.Context context, string direction, string field)
    {
        if (peer.IpBlock is { } block)
        {
            if (peer.PodSelector is not null || peer.NamespaceSelector is not null)
            {
                throw new PolicyException($"{field}: may not specify more than 1 peer type when ipBlock is set");
            }

            return CompileIpBlock(block, context, direction, field);
        }

        if (peer.PodSelector is null && peer.NamespaceSelector is null)
        {
            throw new PolicyException($"{field}: must specify a peer");
        }

        var podSelector = peer.PodSelector is null ? LabelSelector.Everything : PolicyCompiler.Selector(peer.PodSelector, $"{field}.podSelector");
        var namespaces = peer.NamespaceSelector is null
            ? [ns]
            : context.NamespacesMatching(PolicyCompiler.Selector(peer.NamespaceSelector, $"{field}.namespaceSelector")).ToList();
        var pods = namespaces.SelectMany(context.PodsIn).Where(p => podSelector.Matches(p.Labels)).ToList();
        var ips = pods.Select(p => p.Ip).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        // No pod matches (yet): this peer allows nothing, but the others of the rule still do.
        return new Peer(ips.Count == 0 ? null : $"ip {direction} {{ {string.Join(", ", ips)} }}", pods);
    }

    private static Peer CompileIpBlock(V1IPBlock block, PolicyCompiler.Context context, string direction, string field)
    {
        var cidr = ParseCidr(block.Cidr, $"{field}.ipBlock.cidr");
        var family = cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? "ip" : "ip6";
        var match = $"{family} {direction} {Text(cidr)}";
        var excepts = new List<IPNetwork>();
        for (var i = 0; i < (block.Except?.Count ?? 0); i++)
        {
            var except = ParseCidr(block.Except![i], $"{field}.ipBlock.except[{i}]");
            if (except.BaseAddress.AddressFamily != cidr.BaseAddress.AddressFamily || except.PrefixLength <= cidr.PrefixLength || !cidr.Contains(except.BaseAddress))
            {
                throw new PolicyException($"{field}.ipBlock.except[{i}]: Invalid value: \"{block.Except[i]}\": must be a strict subset of `cidr`");
            }

            excepts.Add(except);

            // One condition per exception, not a set: overlapping exceptions are valid, an interval set refuses them.
            match += $" {family} {direction} != {Text(except)}";
        }

        var pods = context.All.Where(p => IPAddress.TryParse(p.Ip, out var ip) && cidr.Contains(ip) && !excepts.Any(e => e.Contains(ip))).ToList();
        return new Peer(match, pods);
    }

    private static IPNetwork ParseCidr(string? text, string field)
    {
        // The host bits are dropped, as upstream's net.ParseCIDR does with the address it returns.
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0 || !IPAddress.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > (address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128))
        {
            throw new PolicyException($"{field}: Invalid value: \"{text}\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
        }

        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefix);
    }

    private static string Text(IPNetwork network) => $"{network.BaseAddress}/{network.PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    private static Port CompilePort(V1NetworkPolicyPort port, string field)
    {
        var protocol = (port.Protocol ?? "TCP").ToUpperInvariant() switch
        {
            "TCP" => "tcp",
            "UDP" => "udp",
            "SCTP" => "sctp",
            _ => throw new PolicyException($"{field}.protocol: Unsupported value: \"{port.Protocol}\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
        };
        var value = port.Port?.Value;
        if (string.IsNullOrEmpty(value))
        {
            return port.EndPort is null ? new Port(protocol, null, null, null) : throw new PolicyException($"{field}.endPort: Required value: may not be specified when `port` is not specified");
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return port.EndPort is null ? new Port(protocol, null, null, value) : throw new PolicyException($"{field}.endPort: Invalid value: {port.EndPort}: may not be specified when `port` is non-numeric");
        }

        if (number is < 1 or > 65535)
        {
            throw new PolicyException($"{field}.port: Invalid value: {number}: must be between 1 and 65535, inclusive");
        }

        if (port.EndPort is { } end && (end < number || end > 65535))
        {
            throw new PolicyException($"{field}.endPort: Invalid value: {end}: must be greater than or equal to `port`");
        }

        return new Port(protocol, number, port.EndPort, null);
    }

    private sealed record Peer(string? Match, IReadOnlyList<PolicyPod> Pods);

    private sealed record Port(string Protocol, int? Number, int? End, string? Name)
    {
        /// <summary>The nft match: a protocol alone, a port, or a range.</summary>
        public string Match(int? resolved = null)
        {
            var number = resolved ?? Number;
            return number is null ? $"meta l4proto {Protocol}"
                : End is { } end && end != number ? $"{Protocol} dport {number}-{end}"
                : $"{Protocol} dport {number}";
        }
    }
}
