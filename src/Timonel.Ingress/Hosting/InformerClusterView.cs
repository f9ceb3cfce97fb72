using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Hosting;

/// <summary><see cref="IClusterView"/> over the Service and EndpointSlice informers, slices indexed by their Service.</summary>
internal sealed class InformerClusterView : IClusterView
{
    private const string ServiceIndex = "ingress.service";
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1EndpointSlice> _slices;

    public InformerClusterView(SharedInformer<V1Service> services, SharedInformer<V1EndpointSlice> slices)
    {
        _services = services;
        _slices = slices;
        _slices.AddIndexer(ServiceIndex, s => s.Metadata.Labels is { } l && l.TryGetValue("kubernetes.io/service-name", out var name) ? [$"{s.Metadata.NamespaceProperty}/{name}"] : []);
    }

    public V1Service? GetService(string @namespace, string name) => _services.Cache.Get(@namespace, name);

    public IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service) => _slices.Cache.ByIndex(ServiceIndex, $"{@namespace}/{service}");
}
