using k8s.Models;
using Timonel.Ingress.Routing;

namespace Timonel.Ingress.Tests;

/// <summary>Builders of the objects the route table is made from, and a cluster view over lists.</summary>
internal static class Objects
{
    public static V1Ingress MakeIngress(string name, string? className = "timonel", DateTime? created = null, V1IngressBackend? defaultBackend = null, string ns = "default", params V1IngressRule[] rules) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, CreationTimestamp = created ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
        Spec = new V1IngressSpec { IngressClassName = className, DefaultBackend = defaultBackend, Rules = rules },
    };

    public static V1IngressRule Rule(string? host, params V1HTTPIngressPath[] paths) => new() { Host = host, Http = new V1HTTPIngressRuleValue { Paths = paths } };

    public static V1HTTPIngressPath Path(string path, string pathType, string service, int port = 80) =>
        new() { Path = path, PathType = pathType, Backend = ToService(service, port) };

    public static V1HTTPIngressPath PathByName(string path, string pathType, string service, string portName) =>
        new() { Path = path, PathType = pathType, Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Name = portName } } } };

    public static V1IngressBackend ToService(string service, int port = 80) =>
        new() { Service = new V1IngressServiceBackend { Name = service, Port = new V1ServiceBackendPort { Number = port } } };

    public static V1Service Service(string name, string ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Ports = ports.Length > 0 ? ports : [new V1ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    public static V1EndpointSlice Slice(string service, int port, string? portName = null, string ns = "default", params (string Ip, bool? Ready)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = $"{service}-{Guid.NewGuid():N}", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
        Endpoints = [.. endpoints.Select(e => new V1Endpoint { Addresses = [e.Ip], Conditions = new V1EndpointConditions { Ready = e.Ready } })],
    };

    /// <summary>Service "name" on port 80 with one ready endpoint 10.0.0.N:8080.</summary>
    public static (V1Service, V1EndpointSlice) ReadyService(string name, int n) =>
        (Service(name), Slice(name, 8080, null, "default", ($"10.0.0.{n}", true)));
}

internal sealed class ListClusterView(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices) : IClusterView
{
    public static ListClusterView Of(params (V1Service Service, V1EndpointSlice Slice)[] pairs) =>
        new(pairs.Select(p => p.Service), pairs.Select(p => p.Slice));

    public V1Service? GetService(string @namespace, string name) =>
        services.FirstOrDefault(s => s.Metadata.NamespaceProperty == @namespace && s.Metadata.Name == name);

    public IReadOnlyList<V1EndpointSlice> SlicesOf(string @namespace, string service) =>
        [.. slices.Where(s => s.Metadata.NamespaceProperty == @namespace && s.Metadata.Labels["kubernetes.io/service-name"] == service)];
}
