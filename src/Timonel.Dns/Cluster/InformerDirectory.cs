using System.Net;
using k8s.Models;
using Timonel.Client.Informers;

namespace Timonel.Dns.Cluster;

/// <summary>
/// <see cref="IClusterDirectory"/> over shared informers of Namespaces, Services, EndpointSlices
/// and (for verified pod records) Pods, with indexes by ClusterIP, service name and address.
/// </summary>
public sealed class InformerDirectory : IClusterDirectory
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    private const string ClusterIpIndex = "dns.clusterIP";
    private const string ServiceIndex = "dns.service";
    private const string AddressIndex = "dns.address";
    private const string PodIpIndex = "dns.podIP";

    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly SharedInformer<V1Pod>? _pods;

    /// <param name="watchPods">False when pod records are not verified: no Pod watch is needed.</param>
    public InformerDirectory(SharedInformerFactory informers, bool watchPods)
    {
        ArgumentNullException.ThrowIfNull(informers);
        _namespaces = informers.Get(ResourceKinds.Namespaces);
        _services = informers.Get(ResourceKinds.Services);
        _slices = informers.Get(ResourceKinds.EndpointSlices);
        _services.AddIndexer(ClusterIpIndex, s => ClusterIps(s).Select(Canonical));
        _slices.AddIndexer(ServiceIndex, s => s.Metadata.Labels is { } l && l.TryGetValue(ServiceNameLabel, out var name) ? [$"{s.Metadata.NamespaceProperty}/{name}"] : []);
        _slices.AddIndexer(AddressIndex, s => (s.Endpoints ?? []).SelectMany(e => e.Addresses ?? []).Select(Canonical).Distinct());
        if (watchPods)
        {
            _pods = informers.Get(ResourceKinds.Pods);
            _pods.AddIndexer(PodIpIndex, p => PodIps(p).Select(ip => $"{p.Metadata.NamespaceProperty}/{Canonical(ip)}").Distinct());
        }
    }

    /// <summary>The informers this directory reads, to wait for their first sync.</summary>
    public IEnumerable<ISharedInformer> Informers => _pods is null ? [_namespaces, _services, _slices] : [_namespaces, _services, _slices, _pods];

    public bool NamespaceExists(string @namespace) => _namespaces.Cache.Get(null, @namespace) is not null;

    public V1Service? GetService(string @namespace, string name) => _services.Cache.Get(@namespace, name);

    public IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service) => _slices.Cache.ByIndex(ServiceIndex, $"{@namespace}/{service}");

    public IReadOnlyList<V1Service> ServicesWithClusterIp(IPAddress ip) => _services.Cache.ByIndex(ClusterIpIndex, ip.ToString());

    public IReadOnlyList<V1EndpointSlice> SlicesWithAddress(IPAddress ip) => _slices.Cache.ByIndex(AddressIndex, ip.ToString());

    public bool PodHasIp(string @namespace, IPAddress ip) => _pods is not null && _pods.Cache.ByIndex(PodIpIndex, $"{@namespace}/{ip}").Count > 0;

    private static IEnumerable<string> ClusterIps(V1Service service)
    {
        var ips = service.Spec?.ClusterIPs is { Count: > 0 } list ? list : service.Spec?.ClusterIP is { } one ? [one] : [];
        return ips.Where(ip => IPAddress.TryParse(ip, out _));
    }

    private static IEnumerable<string> PodIps(V1Pod pod)
    {
        var ips = (pod.Status?.PodIPs ?? []).Select(p => p.Ip).ToList();
        if (pod.Status?.PodIP is { } ip)
        {
            ips.Add(ip);
        }

        return ips.Where(i => IPAddress.TryParse(i, out _));
    }

    /// <summary>The canonical text of an address, so "10.0.0.01"-style variants and IPv6 spellings index alike.</summary>
    private static string Canonical(string ip) => IPAddress.TryParse(ip, out var parsed) ? parsed.ToString() : ip;
}
