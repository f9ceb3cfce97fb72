using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>Creates what every cluster starts with: the system namespaces, the kubernetes Service, the kube-dns Service and the mandatory flow control objects.</summary>
internal sealed class Bootstrap(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects)
{
    private static readonly string[] Namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public async Task EnsureAsync(string kubernetesServiceIp, string dnsServiceIp, int port, CancellationToken cancellationToken)
    {
        // Concurrent creates share one group commit (one fsync) in the embedded store.
        var namespaces = catalog.Find("", "v1", "namespaces")!;
        await Task.WhenAll(Namespaces.Select(async name =>
        {
            if (await objects.GetAsync(namespaces, null, name, cancellationToken).ConfigureAwait(false) is null)
            {
                await CreateIgnoringExistsAsync(namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, cancellationToken).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);

        await EnsureFlowControlAsync(cancellationToken).ConfigureAwait(false);

        var services = catalog.Find("", "v1", "services")!;
        if (await objects.GetAsync(services, "default", "kubernetes", cancellationToken).ConfigureAwait(false) is null)
        {
            await CreateIgnoringExistsAsync(services, "default", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = "kubernetes",
                    ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
                },
                ["spec"] = new JsonObject
                {
                    ["type"] = "ClusterIP",
                    ["clusterIP"] = kubernetesServiceIp,
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = port }),
                },
            }, cancellationToken).ConfigureAwait(false);
        }

        if (await objects.GetAsync(services, "kube-system", "kube-dns", cancellationToken).ConfigureAwait(false) is null)
        {
            // Selectorless: every node agent publishes an EndpointSlice kube-dns-NODE for its own DNS server.
            try
            {
                await CreateIgnoringExistsAsync(services, "kube-system", KubeDnsService(dnsServiceIp), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code is 422 or 409)
            {
                // The fixed ClusterIP is held by another Service (an older cluster): start without kube-dns rather than not at all.
            }
        }
    }

    /// <summary>Creates the mandatory priority levels and flow schemas that are missing (upstream's configuration controller keeps them).</summary>
    private async Task EnsureFlowControlAsync(CancellationToken cancellationToken)
    {
        var levels = catalog.Find("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations");
        var schemas = catalog.Find("flowcontrol.apiserver.k8s.io", "v1", "flowschemas");
        if (levels is null || schemas is null)
        {
            return;
        }

        foreach (var (resource, obj) in FlowControlBootstrap.PriorityLevels().Select(o => (levels, o)).Concat(FlowControlBootstrap.FlowSchemas().Select(o => (schemas, o))))
        {
            if (await objects.GetAsync(resource, null, ObjectMetaAccess.Name(obj)!, cancellationToken).ConfigureAwait(false) is null)
            {
                await CreateIgnoringExistsAsync(resource, null, obj, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static JsonObject KubeDnsService(string clusterIp) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = "kube-dns",
            ["labels"] = new JsonObject { ["k8s-app"] = "kube-dns", ["kubernetes.io/name"] = "CoreDNS", ["kubernetes.io/cluster-service"] = "true" },
        },
        ["spec"] = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["clusterIP"] = clusterIp,
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "dns", ["port"] = 53, ["protocol"] = "UDP", ["targetPort"] = 53 },
                new JsonObject { ["name"] = "dns-tcp", ["port"] = 53, ["protocol"] = "TCP", ["targetPort"] = 53 }),
        },
    };

    private async Task CreateIgnoringExistsAsync(ApiResource resource, string? ns, JsonObject obj, CancellationToken cancellationToken)
    {
        try
        {
            await writer.CreateAsync(resource, ns, obj, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason == "AlreadyExists")
        {
        }
    }
}
