using System.Net;
using k8s.Models;

namespace Timonel.Dns.Cluster;

/// <summary>The cluster state the DNS zone is answered from (informer caches in production). Objects are read-only.</summary>
public interface IClusterDirectory
{
    bool NamespaceExists(string @namespace);

    V1Service? GetService(string @namespace, string name);

    /// <summary>The EndpointSlices labelled kubernetes.io/service-name=<paramref name="service"/> in the namespace.</summary>
    IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service);

    /// <summary>Services holding <paramref name="ip"/> as a ClusterIP.</summary>
    IReadOnlyList<V1Service> ServicesWithClusterIp(IPAddress ip);

    /// <summary>EndpointSlices holding an endpoint with <paramref name="ip"/>.</summary>
    IReadOnlyList<V1EndpointSlice> SlicesWithAddress(IPAddress ip);

    /// <summary>True when a pod in the namespace has <paramref name="ip"/> as one of its pod IPs.</summary>
    bool PodHasIp(string @namespace, IPAddress ip);
}
