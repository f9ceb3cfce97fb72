using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// RFC 7386 JSON Merge Patch: null deletes a member, objects merge recursively, anything else
/// (arrays included) replaces. The patch of a whole object must itself be an object (400 if not).
/// </summary>
internal static class MergePatch
{
    public static JsonObject Apply(JsonObject original, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            throw PatchErrors.BadRequest($"a merge patch must be a JSON object, not {PatchErrors.KindName(patch)}");
        }

        return Merge(original.DeepClone(), patchObject);
    }

    /// <summary>The RFC's MergePatch(Target, Patch); <paramref name="target"/> is owned and may be changed.</summary>
    internal static JsonObject Merge(JsonNode? target, JsonObject patch)
    {
        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else if (value is JsonObject patchChild)
            {
                // An existing object is merged in place, which keeps the member order.
                if (result.TryGetPropertyValue(name, out var current) && current is JsonObject currentObject)
                {
                    Merge(currentObject, patchChild);
                }
                else
                {
                    result[name] = Merge(null, patchChild);
                }
            }
            else
            {
                result[name] = value.DeepClone();
            }
        }

        return result;
    }
}
