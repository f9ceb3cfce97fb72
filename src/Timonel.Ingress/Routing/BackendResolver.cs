using System.Net;
using k8s.Models;

namespace Timonel.Ingress.Routing;

/// <summary>
/// Turns an Ingress backend into a <see cref="Backend"/>: the Service port (by number or name)
/// and the ready TCP endpoints of that port in the Service's EndpointSlices. One resolver serves
/// one table build and hands out one instance per Service port, so round-robin is shared by the
/// rules that name it.
/// </summary>
public sealed class BackendResolver(IClusterView cluster)
{
    private readonly Dictionary<string, Backend> _resolved = new(StringComparer.Ordinal);

    public Backend Resolve(string @namespace, V1IngressBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Resource is { } resource)
        {
            return Backend.Misconfigured($"{@namespace}/{resource.Name}", $"resource backend {resource.Kind} {@namespace}/{resource.Name} is not supported (only Service backends are)");
        }

        if (backend.Service is not { Name: { Length: > 0 } name } service)
        {
            return Backend.Misconfigured(@namespace, "backend names no service");
        }

        var port = service.Port;
        var portKey = port?.Number is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : port?.Name ?? "";
        var key = $"{@namespace}/{name}:{portKey}";
        if (!_resolved.TryGetValue(key, out var resolved))
        {
            resolved = ResolveService(@namespace, name, port);
            _resolved.Add(key, resolved);
        }

        return resolved;
    }

    private Backend ResolveService(string @namespace, string name, V1ServiceBackendPort? port)
    {
        var id = $"{@namespace}/{name}";
        if (cluster.GetService(@namespace, name) is not { } svc)
        {
            return Backend.Misconfigured(id, $"service {id} not found");
        }

        if (svc.Spec?.Type == "ExternalName")
        {
            return Backend.Misconfigured(id, $"service {id} is of type ExternalName, which the ingress does not proxy to");
        }

        var ports = (svc.Spec?.Ports ?? []).Where(p => p.Protocol is null or "TCP").ToList();
        V1ServicePort? servicePort = port switch
        {
            { Number: { } number and > 0 } => ports.FirstOrDefault(p => p.Port == number),
            { Name: { Length: > 0 } portName } => ports.FirstOrDefault(p => p.Name == portName),
            _ => null,
        };
        if (servicePort is null)
        {
            var which = port?.Number is { } num and > 0 ? $"port {num}" : port?.Name is { Length: > 0 } pn ? $"port named \"{pn}\"" : "port (the backend names none)";
            return Backend.Misconfigured(id, $"service {id} has no TCP {which}");
        }

        return Backend.Ready(id, ReadyEndpoints(@namespace, name, servicePort.Name ?? ""));
    }

    private List<IPEndPoint> ReadyEndpoints(string @namespace, string service, string portName)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var slice in cluster.SlicesOf(@namespace, service))
        {
            if (slice.AddressType is not ("IPv4" or "IPv6"))
            {
                continue;
            }

            // The slice names its ports as the Service does; an unnamed Service port is "".
            var slicePort = (slice.Ports ?? []).FirstOrDefault(p => (p.Name ?? "") == portName && p.Protocol is null or "TCP" && p.Port is > 0 and <= 65535);
            if (slicePort?.Port is not { } number)
            {
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // Upstream: a missing ready condition means ready; terminating endpoints take no new requests.
                if (endpoint.Conditions?.Ready == false)
                {
                    continue;
                }

                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (IPAddress.TryParse(address, out var ip))
                    {
                        var ep = new IPEndPoint(ip, number);
                        if (!endpoints.Contains(ep))
                        {
                            endpoints.Add(ep);
                        }
                    }
                }
            }
        }

        return endpoints;
    }
}
