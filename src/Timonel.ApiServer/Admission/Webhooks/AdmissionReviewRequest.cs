using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// The <c>request</c> of an AdmissionReview (admission.k8s.io/v1) for one webhook: the kind and
/// resource in the version the webhook's rule matched, requestKind/requestResource as the object
/// is held here (its storage version), the user, the objects, dryRun and the operation's options.
/// </summary>
internal static class AdmissionReviewRequest
{
    public static JsonObject Build(AdmissionRequest request, string operation, string version, JsonObject? obj, JsonObject? old)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resource = request.Resource;
        var body = new JsonObject
        {
            ["uid"] = Guid.NewGuid().ToString(),
            ["kind"] = Kind(resource.Group, version, resource.Kind),
            ["resource"] = Resource(resource.Group, version, resource.Plural),
            ["requestKind"] = Kind(resource.Group, resource.Version, resource.Kind),
            ["requestResource"] = Resource(resource.Group, resource.Version, resource.Plural),
            ["name"] = request.Name,
            ["operation"] = operation,
            ["userInfo"] = User(request.User),
            ["object"] = obj?.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
            ["dryRun"] = request.DryRun,
            ["options"] = Options(operation, request.DryRun),
        };
        if (request.Subresource.Length > 0)
        {
            body["subResource"] = request.Subresource;
            body["requestSubResource"] = request.Subresource;
        }

        if (request.Namespace.Length > 0)
        {
            body["namespace"] = request.Namespace;
        }

        return body;
    }

    private static JsonObject Kind(string group, string version, string kind) => new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonObject Resource(string group, string version, string resource) => new() { ["group"] = group, ["version"] = version, ["resource"] = resource };

    private static JsonObject User(UserInfo user)
    {
        var info = new JsonObject
        {
            ["username"] = user.Name,
            ["groups"] = new JsonArray(user.Groups.Select(g => (JsonNode)g).ToArray()),
        };
        if (user.Uid is { } uid)
        {
            info["uid"] = uid;
        }

        if (user.Extra.Count > 0)
        {
            info["extra"] = new JsonObject(user.Extra.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)new JsonArray(e.Value.Select(v => (JsonNode)v).ToArray()))));
        }

        return info;
    }

    // CreateOptions / UpdateOptions / DeleteOptions, as upstream sends them.
    private static JsonObject? Options(string operation, bool dryRun)
    {
        var kind = operation switch
        {
            "CREATE" => "CreateOptions",
            "UPDATE" => "UpdateOptions",
            "DELETE" => "DeleteOptions",
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        var options = new JsonObject { ["kind"] = kind, ["apiVersion"] = "meta.k8s.io/v1" };
        if (dryRun)
        {
            options["dryRun"] = new JsonArray("All");
        }

        return options;
    }
}
