using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>The checks upstream's decoder makes of a body's apiVersion, kind and metadata before any handler sees it.</summary>
internal static class TypeMeta
{
    /// <summary>Throws upstream's 400 when apiVersion or kind is given and is not <paramref name="resource"/>'s, or metadata is no object.</summary>
    public static void Check(JsonObject obj, ApiResource resource)
    {
        var apiVersion = obj["apiVersion"];
        var kind = obj["kind"];
        if ((apiVersion is not null && apiVersion.GetValueKind() != JsonValueKind.String) || (kind is not null && kind.GetValueKind() != JsonValueKind.String))
        {
            throw ApiException.BadRequest("apiVersion and kind must be strings");
        }

        if (apiVersion?.GetValue<string>() is { Length: > 0 } av && av != resource.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({av}) does not match the expected API version ({resource.ApiVersion})");
        }

        if (kind?.GetValue<string>() is { Length: > 0 } k && k != resource.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({k}) does not match the expected kind ({resource.Kind}) for {resource.GroupResource}");
        }

        if (obj["metadata"] is not null and not JsonObject)
        {
            throw ApiException.BadRequest($"{resource.Kind} in version \"{resource.Version}\" cannot be handled as a {resource.Kind}: metadata must be an object");
        }
    }
}
