using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Admission;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Creates the default ServiceCIDR "kubernetes" (the server's --service-cidr) and marks it Ready,
/// as upstream's default-servicecidr-repair controller in kube-apiserver does. An existing one
/// is left as it is: its CIDRs are immutable (upstream only reports a different flag).
/// </summary>
internal sealed class DefaultServiceCidr(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects, TimeProvider time)
{
    public async Task EnsureAsync(string cidr, CancellationToken cancellationToken)
    {
        var resource = catalog.Find("networking.k8s.io", "v1", "servicecidrs")!;
        var current = await objects.GetAsync(resource, null, ServiceCidrRanges.DefaultName, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            try
            {
                current = await writer.CreateAsync(resource, null, new JsonObject
                {
                    ["apiVersion"] = "networking.k8s.io/v1",
                    ["kind"] = "ServiceCIDR",
                    ["metadata"] = new JsonObject { ["name"] = ServiceCidrRanges.DefaultName },
                    ["spec"] = new JsonObject { ["cidrs"] = new JsonArray(cidr) },
                }, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Reason == "AlreadyExists")
            {
                // Another server made it first.
                return;
            }
        }

        if (ObjectMetaAccess.IsDeleting(current.Object) || HasReadyCondition(current.Object))
        {
            return;
        }

        var ready = current.Object.DeepClone().AsObject();
        ready["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready",
                ["status"] = "True",
                ["lastTransitionTime"] = ObjectMetaAccess.Timestamp(time.GetUtcNow()),
                ["reason"] = "",
                ["message"] = "Kubernetes default Service CIDR is ready",
            }),
        };
        try
        {
            await writer.UpdateAsync(resource, ready, current, "status", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Changed meanwhile (another server, or the service-cidr controller marked it): theirs stands.
        }
    }

    private static bool HasReadyCondition(JsonObject obj) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().Any(c => JsonAccess.AsString(c["type"]) == "Ready");
}
