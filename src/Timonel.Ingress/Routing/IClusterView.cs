using k8s.Models;

namespace Timonel.Ingress.Routing;

/// <summary>The cluster objects backends are resolved from (the informers' caches, or a test's lists). Read-only.</summary>
public interface IClusterView
{
    V1Service? GetService(string @namespace, string name);

    /// <summary>The EndpointSlices labelled kubernetes.io/service-name=<paramref name="service"/>.</summary>
    IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service);
}
