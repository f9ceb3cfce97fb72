using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Dns.Hosting;

/// <summary>
/// The EndpointSlice kube-system/kube-dns-NODE that puts one node's DNS server behind the
/// selectorless kube-dns Service: the node's IP with ports dns (53/UDP) and dns-tcp (53/TCP).
/// Labelled as managed by the agent, so the EndpointSlice controller leaves it alone.
/// </summary>
public sealed class DnsEndpointSlice(IKubernetes client, string nodeName, IPAddress address, int port)
{
    public const string Namespace = "kube-system";
    public const string ServiceName = "kube-dns";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    // A label value cannot hold "/", so the agent names itself as upstream controllers do ("endpointslice-controller.k8s.io").
    public const string ManagedBy = "agent.timonel.dev";

    public string Name { get; } = $"{ServiceName}-{nodeName}";

    /// <summary>The slice as it should be.</summary>
    public V1EndpointSlice Desired() => new()
    {
        ApiVersion = "discovery.k8s.io/v1",
        Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = Name,
            NamespaceProperty = Namespace,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = ServiceName,
                [ManagedByLabel] = ManagedBy,
            },
        },
        AddressType = address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
        Endpoints =
        [
            new V1Endpoint
            {
                Addresses = [address.ToString()],
                Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                NodeName = nodeName,
            },
        ],
        Ports =
        [
            new Discoveryv1EndpointPort { Name = "dns", Port = port, Protocol = "UDP" },
            new Discoveryv1EndpointPort { Name = "dns-tcp", Port = port, Protocol = "TCP" },
        ],
    };

    /// <summary>Creates the slice, or rewrites it when its addresses, ports or labels drifted.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var desired = Desired();
        V1EndpointSlice? current;
        try
        {
            current = await client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(Name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            current = null;
        }

        if (current is null)
        {
            await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(desired, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Same(current, desired))
        {
            return;
        }

        desired.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
        await client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(desired, Name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the slice (a clean stop of the agent); a slice already gone is fine.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(Name, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private static bool Same(V1EndpointSlice a, V1EndpointSlice b)
    {
        static string Json(object? o) => KubernetesJson.Serialize(o);
        var labels = a.Metadata.Labels ?? new Dictionary<string, string>();
        return a.AddressType == b.AddressType
            && Json(a.Endpoints) == Json(b.Endpoints)
            && Json(a.Ports) == Json(b.Ports)
            && b.Metadata.Labels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value);
    }
}
