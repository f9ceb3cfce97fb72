using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// POST pods/{name}/binding (upstream's BindingREST): assigns an unassigned pod to a node and
/// marks it scheduled, once; a pod already on a node or being deleted is a 409.
/// </summary>
internal sealed class BindingSubresource(GuaranteedUpdater updater, TimeProvider time)
{
    public async Task BindAsync(ApiResource pods, string ns, string name, JsonObject binding, CancellationToken cancellationToken)
    {
        var target = JsonAccess.AsString(binding["target"]?["name"]);
        if (string.IsNullOrEmpty(target))
        {
            throw ApiException.Invalid("", "Binding", name, [FieldError.Required("target.name")]);
        }

        if (ObjectMetaAccess.Name(binding) is { Length: > 0 } bindingName && bindingName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bindingName}) does not match the name on the URL ({name})");
        }

        await updater.GuaranteedUpdateAsync(pods, ns, name, current =>
        {
            // A fresh decode of the stored bytes, owned by this request: changed in place.
            var pod = current.Object;
            if (ObjectMetaAccess.IsDeleting(pod))
            {
                throw ApiException.Conflict("", "pods", name, "pod is being deleted, cannot be assigned to a host");
            }

            if (JsonAccess.AsString(pod["spec"]?["nodeName"]) is { Length: > 0 } node)
            {
                throw ApiException.Conflict("", "pods", name, $"pod {name} is already assigned to node \"{node}\"");
            }

            pod["spec"]!["nodeName"] = target;
            SetCondition(pod, "PodScheduled", "True", time.GetUtcNow());
            return pod;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void SetCondition(JsonObject pod, string type, string status, DateTimeOffset now)
    {
        pod["status"] ??= new JsonObject();
        var conditions = pod["status"]!["conditions"] as JsonArray ?? [];
        pod["status"]!["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => JsonAccess.AsString(c["type"]) == type);
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = type };
            conditions.Add(existing);
        }

        existing["status"] = status;
        existing["lastTransitionTime"] = ObjectMetaAccess.Timestamp(now);
        existing["lastProbeTime"] = null;
    }
}
