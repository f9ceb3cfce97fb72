using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// Upstream's checks of a conversion webhook's answer, with its messages: a v1 answer must be
/// an apiextensions.k8s.io/v1 ConversionReview with the request's uid (v1beta1 answers were never
/// checked for either), result.status Success; each converted object must be in the desired
/// group/version, keep its kind, name, namespace and uid, and have metadata; the webhook may
/// change labels and annotations only (the rest of metadata is put back from the original).
/// </summary>
internal static class ConversionReviewResponse
{
    /// <summary>The converted objects, or why the answer is refused.</summary>
    public static (IReadOnlyList<JsonNode?>? Objects, string? Error) ConvertedObjects(JsonNode? answer, string reviewVersion, string uid)
    {
        var review = answer as JsonObject;
        if (reviewVersion == "v1")
        {
            var gvk = $"{review.Str("apiVersion")}, Kind={review.Str("kind")}";
            if (review.Str("apiVersion") != "apiextensions.k8s.io/v1" || review.Str("kind") != "ConversionReview")
            {
                return (null, $"expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got {gvk}");
            }
        }

        if (review.Obj("response") is not { } response)
        {
            return (null, "no response provided");
        }

        if (reviewVersion == "v1" && response.Str("uid") is var got && got != uid)
        {
            return (null, $"expected response.uid=\"{uid}\", got \"{got}\"");
        }

        var result = response.Obj("result");
        if (result.Str("status") != "Success")
        {
            return (null, result.Str("message") is { Length: > 0 } message ? message : $"response.result.status was '{result.Str("status")}', not 'Success'");
        }

        return (response.Arr("convertedObjects")?.ToList() ?? [], null);
    }

    /// <summary>Checks one converted object against its original; on success gives it with the original's metadata but the webhook's labels and annotations.</summary>
    public static string? Check(JsonObject original, JsonNode? converted, string desiredApiVersion, out JsonObject? restored)
    {
        restored = null;
        if (converted is not JsonObject obj)
        {
            return "invalid type, expected=Unstructured";
        }

        if (obj.Str("apiVersion") != desiredApiVersion)
        {
            return $"invalid groupVersion (expected {desiredApiVersion}, received {obj.Str("apiVersion")})";
        }

        if (obj.Str("kind") != original.Str("kind"))
        {
            return $"invalid kind (expected {original.Str("kind")}, received {obj.Str("kind")})";
        }

        foreach (var (field, text) in new[] { ("name", "name"), ("namespace", "namespace"), ("uid", "UID") })
        {
            var (was, now) = (original.Obj("metadata").Str(field) ?? "", obj.Obj("metadata").Str(field) ?? "");
            if (was != now)
            {
                return $"must have the same {text}: {was} != {now}";
            }
        }

        if (obj["metadata"] is not JsonObject returned)
        {
            return obj.ContainsKey("metadata") ? "invalid metadata of type in converted object" : "missing metadata in converted object";
        }

        var copy = (JsonObject)obj.DeepClone();
        var metadata = (JsonObject)(original["metadata"]?.DeepClone() ?? new JsonObject());
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (returned[field] is null)
            {
                metadata.Remove(field);
                continue;
            }

            if (returned[field] is not JsonObject map)
            {
                return $"invalid metadata.{field} in converted object";
            }

            foreach (var (key, value) in map)
            {
                if (value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String)
                {
                    return $"metadata.{field}[{key}] must be a string in converted object";
                }
            }

            metadata[field] = map.DeepClone();
        }

        copy["metadata"] = metadata;
        restored = copy;
        return null;
    }
}
