using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Patch;

/// <summary>Applies a PATCH body to an object, by content type.</summary>
public static class PatchApplier
{
    public const string JsonPatch = "application/json-patch+json";
    public const string MergePatch = "application/merge-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatchYaml = "application/apply-patch+yaml";

    /// <summary>
    /// Returns the patched object (the input is not changed). <paramref name="modelType"/> is the
    /// KubernetesClient model of the object, used for strategic merge keys. Bad patches throw
    /// ApiException: 400 for a body that is not a patch of its type or a malformed directive,
    /// 422 for a patch that cannot apply (failed JSON-patch test, missing path), 413 for more
    /// than 10000 JSON-patch operations or a result over 3 MiB of JSON, 415 for unknown types
    /// and for server-side apply.
    /// </summary>
    public static JsonObject Apply(string contentType, JsonObject original, JsonNode patch, Type modelType)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(modelType);

        var patched = MediaType(contentType) switch
        {
            JsonPatch => Patch.JsonPatch.Apply(original, patch),
            MergePatch => Patch.MergePatch.Apply(original, patch),
            StrategicMergePatch => Patch.StrategicMergePatch.Apply(original, patch, modelType),
            ApplyPatchYaml or "application/apply-patch+cbor" => throw new ApiException(
                HttpStatusCode.UnsupportedMediaType,
                "UnsupportedMediaType",
                $"server-side apply ({contentType}) is not supported yet: use client-side \"kubectl apply\", or a json, merge or strategic merge patch"),
            _ => throw ApiException.UnsupportedMediaType(contentType),
        };

        // Merge patches cannot grow an object past the patch's own size and JSON patch copies
        // are capped while they apply, so the result is bounded; this keeps it storable.
        var size = JsonSize.Of(patched);
        return size <= PatchErrors.MaxPatchedObjectBytes ? patched : throw PatchErrors.ResultTooLarge(size);
    }

    /// <summary>The media type without parameters ("; charset=utf-8"), lower case.</summary>
    private static string MediaType(string? contentType)
    {
        var value = contentType ?? "";
        var semicolon = value.IndexOf(';', StringComparison.Ordinal);
        return (semicolon >= 0 ? value[..semicolon] : value).Trim().ToLowerInvariant();
    }
}
