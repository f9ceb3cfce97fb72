using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>The autoscaling/v1 Scale view of deployments, replica sets, stateful sets and replication controllers.</summary>
internal static class ScaleSubresource
{
    public static JsonObject ToScale(ApiResource resource, JsonObject obj)
    {
        if (resource.ScalePaths is { } paths)
        {
            return CustomScale(paths, obj);
        }

        // core/v1's one scalable kind (ReplicationController) selects with a label map, the apps kinds with a metav1.LabelSelector.
        var selectorJson = obj["spec"]?["selector"] as JsonObject;
        var selector = resource.Group.Length == 0
            ? LabelSelector.FromSet(selectorJson?.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.ToString()))
            : LabelSelector.FromLabelSelectorJson(selectorJson);
        var meta = (JsonObject)obj["metadata"]!;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = ScaleMetadata(meta),
            ["spec"] = new JsonObject { ["replicas"] = JsonAccess.WholeNumber(obj["spec"]?["replicas"]) ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = JsonAccess.WholeNumber(obj["status"]?["replicas"]) ?? 0,
                ["selector"] = selector.ToString(),
            },
        };
    }

    /// <summary>The Scale's metadata: its object's identity and version.</summary>
    private static JsonObject ScaleMetadata(JsonObject meta) => new()
    {
        ["name"] = meta["name"]?.DeepClone(),
        ["namespace"] = meta["namespace"]?.DeepClone(),
        ["uid"] = meta["uid"]?.DeepClone(),
        ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
        ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
    };

    /// <summary>
    /// A custom resource's Scale: replicas read at the CRD's specReplicasPath and
    /// statusReplicasPath (0 when absent), the selector string at labelSelectorPath.
    /// </summary>
    private static JsonObject CustomScale(Timonel.Registry.CustomResources.ScalePaths paths, JsonObject obj)
    {
        var meta = (JsonObject)obj["metadata"]!;
        var selector = paths.LabelSelectorPath is { } selectorPath ? JsonAccess.AsString(Path(selectorPath).First(obj)) : null;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = ScaleMetadata(meta),
            ["spec"] = new JsonObject { ["replicas"] = JsonAccess.WholeNumber(Path(paths.SpecReplicasPath).First(obj)) ?? 0 },
            ["status"] = selector is null
                ? new JsonObject { ["replicas"] = JsonAccess.WholeNumber(Path(paths.StatusReplicasPath).First(obj)) ?? 0 }
                : new JsonObject { ["replicas"] = JsonAccess.WholeNumber(Path(paths.StatusReplicasPath).First(obj)) ?? 0, ["selector"] = selector },
        };
    }

    private static Timonel.Registry.CustomResources.SimpleJsonPath Path(string path) => Timonel.Registry.CustomResources.SimpleJsonPath.Parse(path);

    /// <summary>Applies a Scale the client sent to the parent object (a copy is returned).</summary>
    public static JsonObject ApplyScale(JsonObject parent, JsonObject scale) => ApplyScale(null, parent, scale);

    /// <summary>Applies a Scale the client sent to the parent object of <paramref name="resource"/> (a copy is returned).</summary>
    public static JsonObject ApplyScale(ApiResource? resource, JsonObject parent, JsonObject scale)
    {
        var kind = JsonAccess.AsString(scale["kind"]);
        if (kind is not null and not "Scale")
        {
            throw ApiException.BadRequest($"the body must be an autoscaling/v1 Scale, got kind \"{kind}\"");
        }

        var replicas = scale["spec"]?["replicas"];
        var name = ObjectMetaAccess.Name(parent)!;
        if (replicas is null)
        {
            // A long, as a number read off the wire is: an omitted count means zero, as upstream.
            replicas = 0L;
        }

        if (JsonAccess.WholeNumber(replicas) is not { } n)
        {
            throw ApiException.BadRequest("Scale.spec.replicas must be an integer");
        }

        if (n < 0)
        {
            throw ApiException.Invalid("autoscaling", "Scale", name, [FieldError.Invalid("spec.replicas", n.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0")]);
        }

        if (ObjectMetaAccess.Name(scale) is { Length: > 0 } scaleName && scaleName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({scaleName}) does not match the name on the URL ({name})");
        }

        var updated = (JsonObject)parent.DeepClone();
        if (resource?.ScalePaths is { } paths)
        {
            // The CRD's specReplicasPath (validated to be a dotted path under .spec), created as needed.
            var target = updated;
            var fields = paths.SpecReplicasPath.TrimStart('.').Split('.');
            foreach (var field in fields[..^1])
            {
                if (target[field] is not JsonObject next)
                {
                    next = [];
                    target[field] = next;
                }

                target = next;
            }

            target[fields[^1]] = n;
        }
        else
        {
            updated["spec"] ??= new JsonObject();
            updated["spec"]!["replicas"] = n;
        }

        var meta = ObjectMetaAccess.Metadata(updated);
        meta["resourceVersion"] = ObjectMetaAccess.ResourceVersion(scale) is { Length: > 0 } rv ? rv : null;
        if (meta["resourceVersion"] is null)
        {
            meta.Remove("resourceVersion");
        }

        return updated;
    }
}
