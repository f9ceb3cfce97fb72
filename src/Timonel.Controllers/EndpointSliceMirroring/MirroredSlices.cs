using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Models;
using Timonel.Controllers.EndpointSlice;

namespace Timonel.Controllers.EndpointSliceMirroring;

/// <summary>
/// The EndpointSlices an Endpoints object mirrors to: one per address family and set of ports,
/// each with at most <see cref="MaxEndpointsPerSubset"/> endpoints (upstream's
/// --mirroring-max-endpoints-per-subset default); addresses beyond that, or that are not IPs, are skipped.
/// </summary>
public static class MirroredSlices
{
    public const string ManagedBy = "endpointslicemirroring-controller.k8s.io";

    public const int MaxEndpointsPerSubset = 1000;

    private const string LastChangeTriggerTime = "endpoints.kubernetes.io/last-change-trigger-time";
    private const string LastAppliedConfiguration = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>The desired slices (without names), and how many addresses were invalid or over the limit.</summary>
    public static (List<V1EndpointSlice> Slices, int Invalid, int OverLimit) For(V1Endpoints endpoints)
    {
        var groups = new SortedDictionary<string, (string AddressType, List<Discoveryv1EndpointPort> Ports, List<V1Endpoint> Endpoints, HashSet<string> Seen)>(StringComparer.Ordinal);
        var invalid = 0;
        var overLimit = 0;
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var ports = (subset.Ports ?? [])
                .Select(p => new Discoveryv1EndpointPort { Name = p.Name ?? "", Port = p.Port, Protocol = p.Protocol ?? "TCP", AppProtocol = p.AppProtocol })
                .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Port).ThenBy(p => p.Protocol, StringComparer.Ordinal)
                .ToList();
            var portsKey = string.Join(";", ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}"));
            var added = 0;
            var addresses = (subset.Addresses ?? []).Select(a => (Address: a, Ready: true))
                .Concat((subset.NotReadyAddresses ?? []).Select(a => (Address: a, Ready: false)));
            foreach (var (address, ready) in addresses)
            {
                if (added >= MaxEndpointsPerSubset)
                {
                    overLimit++;
                    continue;
                }

                if (!IPAddress.TryParse(address.Ip ?? "", out var ip) || !IsPlainIp(address.Ip!))
                {
                    invalid++;
                    continue;
                }

                if (ip.IsIPv4MappedToIPv6)
                {
                    ip = ip.MapToIPv4();
                }

                var addressType = ip.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
                var groupKey = addressType + "|" + portsKey;
                if (!groups.TryGetValue(groupKey, out var group))
                {
                    group = (addressType, ports, [], new HashSet<string>(StringComparer.Ordinal));
                    groups.Add(groupKey, group);
                }

                var endpoint = new V1Endpoint
                {
                    // Re-formatted, so an irregular spelling of the same IP mirrors the same.
                    Addresses = [ip.ToString()],
                    Conditions = new V1EndpointConditions { Ready = ready },
                    Hostname = string.IsNullOrEmpty(address.Hostname) ? null : address.Hostname,
                    NodeName = string.IsNullOrEmpty(address.NodeName) ? null : address.NodeName,
                    TargetRef = address.TargetRef,
                };
                added++;
                if (group.Endpoints.Count >= MaxEndpointsPerSubset)
                {
                    // Subsets with the same ports share one slice, which holds no more than one subset may.
                    overLimit++;
                }
                else if (group.Seen.Add(KubernetesJson.Serialize(endpoint)))
                {
                    group.Endpoints.Add(endpoint);
                }
            }
        }

        var slices = groups.Values.Select(g => NewSlice(endpoints, g.AddressType, g.Ports, g.Endpoints)).ToList();
        return (slices, invalid, overLimit);
    }

    /// <summary>Whether two slices mirror the same content (names, owners and server fields aside).</summary>
    public static bool SameContent(V1EndpointSlice a, V1EndpointSlice b) =>
        a.AddressType == b.AddressType
        && SameJson(a.Endpoints, b.Endpoints)
        && SameJson(a.Ports, b.Ports)
        && SameMap(a.Metadata.Labels, b.Metadata.Labels)
        && SameMap(a.Metadata.Annotations, b.Metadata.Annotations);

    /// <summary>The address family and ports a slice is for: a slice is reused only for the same ones.</summary>
    public static string KeyOf(V1EndpointSlice slice) =>
        slice.AddressType + "|" + KubernetesJson.Serialize(slice.Ports ?? []);

    // An address literal only: IPAddress.TryParse also takes forms such as "10" or "1.2.3" or a scope id.
    private static bool IsPlainIp(string text) =>
        text.Contains(':', StringComparison.Ordinal)
            ? !text.Contains('%', StringComparison.Ordinal)
            : text.Count(c => c == '.') == 3 && text.All(c => c == '.' || char.IsAsciiDigit(c));

    private static V1EndpointSlice NewSlice(V1Endpoints endpoints, string addressType, List<Discoveryv1EndpointPort> ports, List<V1Endpoint> list)
    {
        var labels = new Dictionary<string, string>(endpoints.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [EndpointSliceController.ServiceNameLabel] = endpoints.Metadata.Name,
            [EndpointSliceController.ManagedByLabel] = ManagedBy,
        };
        var annotations = (endpoints.Metadata.Annotations ?? new Dictionary<string, string>())
            .Where(a => a.Key is not (LastChangeTriggerTime or LastAppliedConfiguration))
            .ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                GenerateName = endpoints.Metadata.Name + "-",
                NamespaceProperty = endpoints.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = annotations,
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "v1", Kind = "Endpoints", Name = endpoints.Metadata.Name, Uid = endpoints.Metadata.Uid, Controller = true, BlockOwnerDeletion = true },
                ],
            },
            AddressType = addressType,
            Endpoints = list,
            Ports = ports,
        };
    }

    private static bool SameJson<T>(IList<T>? a, IList<T>? b) =>
        KubernetesJson.Serialize(a ?? []) == KubernetesJson.Serialize(b ?? []);

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (b ?? new Dictionary<string, string>()).All(kv => a!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
