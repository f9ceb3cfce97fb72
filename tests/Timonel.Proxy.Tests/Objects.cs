using k8s.Models;

namespace Timonel.Proxy.Tests;

/// <summary>Builders of the Service and EndpointSlice objects the tests feed the proxy.</summary>
internal static class Objects
{
    public static V1Service Service(string ns, string name, string clusterIp, int port = 80, string? portName = "http", string type = "ClusterIP", int? nodePort = null)
    {
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1ServiceSpec
            {
                Type = type,
                ClusterIP = clusterIp,
                ClusterIPs = clusterIp == "None" ? ["None"] : [clusterIp],
                Ports = [new V1ServicePort { Name = portName, Port = port, Protocol = "TCP", TargetPort = port, NodePort = nodePort }],
            },
        };
    }

    public static V1EndpointSlice Slice(string ns, string service, string sliceName, int port, string? portName, params V1Endpoint[] endpoints)
    {
        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = sliceName,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
            },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = portName, Port = port, Protocol = "TCP" }],
            Endpoints = [.. endpoints],
        };
    }

    public static V1Endpoint Endpoint(string ip, bool? ready = true, string? node = "node-a", bool? serving = null, bool? terminating = null) =>
        new()
        {
            Addresses = [ip],
            NodeName = node,
            Conditions = new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating },
        };
}
