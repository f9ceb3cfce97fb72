using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Patch;

/// <summary>Applies a PATCH body to an object, by content type.</summary>
public static class PatchApplier
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";

    /// <summary>
    /// Returns the patched object (the input is not changed). <paramref name="modelType"/> is the
    /// KubernetesClient model of the object, used for strategic merge keys. Bad patches throw
    /// ApiException (400 for malformed, 422 for a failed JSON-patch test, 415 for unknown types).
    /// </summary>
    public static JsonObject Apply(string contentType, JsonObject original, JsonNode patch, Type modelType) =>
        throw ApiException.UnsupportedMediaType(contentType);
}
