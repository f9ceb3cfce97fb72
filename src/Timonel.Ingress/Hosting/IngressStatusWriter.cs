using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Ingress.Hosting;

/// <summary>
/// Sets status.loadBalancer.ingress of the served Ingresses to the nodes' addresses (each node's
/// ExternalIP, else its InternalIP, as k3s's service load balancer). Every node's controller
/// computes the same list from the Node objects, so they agree instead of overwriting each other.
/// </summary>
internal static class IngressStatusWriter
{
    /// <summary>The addresses, sorted, of every node that has one.</summary>
    public static IReadOnlyList<string> NodeAddresses(IEnumerable<V1Node> nodes) =>
        [.. nodes
            .Select(n => n.Status?.Addresses?.FirstOrDefault(a => a.Type == "ExternalIP")?.Address ?? n.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    public static bool IsCurrent(V1Ingress ingress, IReadOnlyList<string> addresses)
    {
        var now = (ingress.Status?.LoadBalancer?.Ingress ?? []).Select(i => i.Ip ?? i.Hostname ?? "").ToList();
        return now.SequenceEqual(addresses, StringComparer.Ordinal);
    }

    /// <summary>Merge-patches the status; an Ingress deleted meanwhile is no error.</summary>
    public static async Task WriteAsync(IKubernetes client, V1Ingress ingress, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var list = new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a })]);
        var body = new JsonObject { ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = addresses.Count == 0 ? null : list } } };
        try
        {
            await client.NetworkingV1.PatchNamespacedIngressStatusAsync(
                new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch), ingress.Metadata.Name, ingress.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Deleted meanwhile: nothing to publish.
        }
    }
}
