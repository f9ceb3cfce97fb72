using k8s.Models;

namespace Timonel.Proxy.Model;

/// <summary>
/// Turns Services and EndpointSlices into the Service ports the proxy programs. Headless and
/// ExternalName Services, and IPv6 addresses, yield nothing: they get no rules.
/// </summary>
public static class ServiceSnapshot
{
    /// <summary>The label an EndpointSlice names its Service by.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static IReadOnlyList<ServiceState> Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        var slicesByService = new Dictionary<(string, string), List<V1EndpointSlice>>();
        foreach (var slice in slices)
        {
            if (slice.AddressType != "IPv4" || slice.Metadata?.Labels is null || !slice.Metadata.Labels.TryGetValue(ServiceNameLabel, out var service))
            {
                continue;
            }

            var key = (slice.Metadata.NamespaceProperty ?? "", service);
            if (!slicesByService.TryGetValue(key, out var list))
            {
                slicesByService[key] = list = [];
            }

            list.Add(slice);
        }

        var result = new List<ServiceState>();
        foreach (var service in services)
        {
            var ports = PortsOf(service);
            if (ports.Count == 0)
            {
                continue;
            }

            slicesByService.TryGetValue((service.Metadata.NamespaceProperty ?? "", service.Metadata.Name), out var serviceSlices);
            foreach (var info in ports)
            {
                result.Add(new ServiceState(info, EndpointsFor(info.Name, serviceSlices ?? [], nodeName)));
            }
        }

        return result;
    }

    /// <summary>The programmable ports of a Service; empty for headless, ExternalName and IPv6-only Services.</summary>
    public static IReadOnlyList<ServicePortInfo> PortsOf(V1Service service)
    {
        var spec = service.Spec;
        if (spec is null || spec.Type == "ExternalName" || !Cidr.IsIpv4(spec.ClusterIP) || spec.Ports is null)
        {
            return [];
        }

        var externalIps = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ip in spec.ExternalIPs ?? [])
        {
            if (Cidr.IsIpv4(ip))
            {
                externalIps.Add(ip);
            }
        }

        if (spec.Type == "LoadBalancer")
        {
            foreach (var ingress in service.Status?.LoadBalancer?.Ingress ?? [])
            {
                // ipMode Proxy means the load balancer delivers to the node itself, not to the VIP.
                if (Cidr.IsIpv4(ingress.Ip) && ingress.IpMode != "Proxy")
                {
                    externalIps.Add(ingress.Ip);
                }
            }
        }

        int? affinity = spec.SessionAffinity == "ClientIP"
            ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800
            : null;
        var externalLocal = spec.ExternalTrafficPolicy == "Local" && (spec.Type is "NodePort" or "LoadBalancer" || externalIps.Count > 0);
        var internalLocal = spec.InternalTrafficPolicy == "Local";
        var ports = new List<ServicePortInfo>();
        foreach (var port in spec.Ports)
        {
            var protocol = (port.Protocol ?? "TCP").ToLowerInvariant();
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                continue;
            }

            var name = new ServicePortName(service.Metadata.NamespaceProperty ?? "", service.Metadata.Name, string.IsNullOrEmpty(port.Name) ? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : port.Name, protocol);
            ports.Add(new ServicePortInfo(name, spec.ClusterIP, port.Port, port.NodePort ?? 0, [.. externalIps], affinity, externalLocal, internalLocal));
        }

        return ports;
    }

    private static List<ProxyEndpoint> EndpointsFor(ServicePortName port, List<V1EndpointSlice> slices, string nodeName)
    {
        var byAddress = new SortedDictionary<string, ProxyEndpoint>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            var slicePort = slice.Ports?.FirstOrDefault(p => MatchesName(p.Name, port) && (p.Protocol ?? "TCP").Equals(port.Protocol, StringComparison.OrdinalIgnoreCase));
            if (slicePort?.Port is not { } number)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                var ip = endpoint.Addresses?.FirstOrDefault();
                if (!Cidr.IsIpv4(ip))
                {
                    continue;
                }

                var ready = endpoint.Conditions?.Ready ?? true;
                var candidate = new ProxyEndpoint(
                    ip!,
                    number,
                    ready,
                    endpoint.Conditions?.Serving ?? ready,
                    endpoint.Conditions?.Terminating ?? false,
                    endpoint.NodeName == nodeName);
                var key = candidate.ToString();

                // A pod listed by two slices while the controller moves it: the ready entry wins.
                if (!byAddress.TryGetValue(key, out var existing) || (!existing.Ready && candidate.Ready))
                {
                    byAddress[key] = candidate;
                }
            }
        }

        return [.. byAddress.Values];
    }

    private static bool MatchesName(string? slicePortName, ServicePortName port) =>
        string.IsNullOrEmpty(slicePortName)
            ? int.TryParse(port.Port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            : slicePortName == port.Port;
}
