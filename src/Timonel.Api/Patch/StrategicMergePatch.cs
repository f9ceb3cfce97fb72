using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Patch;

/// <summary>
/// Upstream's strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), applied to
/// wire JSON with the model type telling which lists merge by which key (<see cref="PatchMetadata"/>).
/// Maps merge recursively and null deletes; lists without a merge strategy are replaced; merging
/// lists of objects match items by merge key, lists of scalars take the union. Directives:
/// <c>$patch: replace | delete | merge</c> on a map or a list item, <c>$retainKeys</c>,
/// <c>$deleteFromPrimitiveList/&lt;field&gt;</c> and <c>$setElementOrder/&lt;field&gt;</c>.
/// Malformed directives are 400; a patch that contradicts its own $retainKeys, or a list of
/// lists, is 422 (as upstream's interpretStrategicMergePatchError maps them).
/// </summary>
/// <remarks>
/// Values taken from the patch are merged into an empty value instead of being copied, so no
/// directive or null from the patch ever lands in the stored object. Unlike upstream, which
/// rejects it, <c>$patch: merge</c> is accepted and means the default behaviour.
/// </remarks>
internal static partial class StrategicMergePatch
{
    private const string DirectiveMarker = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
    private const string SetElementOrderPrefix = "$setElementOrder";

    public static JsonObject Apply(JsonObject original, JsonNode? patch, Type modelType)
    {
        if (patch is not JsonObject patchObject)
        {
            throw PatchErrors.BadRequest($"a strategic merge patch must be a JSON object, not {PatchErrors.KindName(patch)}");
        }

        return MergeObject(original.DeepClone().AsObject(), patchObject, modelType, "");
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="target"/>, which is owned and changed in place.</summary>
    private static JsonObject MergeObject(JsonObject target, JsonObject patch, Type? type, string path)
    {
        if (!patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            return MergeMembers(target, patch, type, path);
        }

        return DirectiveName(directive, path) switch
        {
            "replace" => MergeMembers([], patch, type, path),
            "delete" => [],
            _ => MergeMembers(target, patch, type, path),
        };
    }

    private static JsonObject MergeMembers(JsonObject target, JsonObject patch, Type? type, string path)
    {
        ApplyRetainKeys(target, patch, path);

        var ordered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                var field = DirectiveField(key, SetElementOrderPrefix, path);
                MergeOrderedList(target, patch, field, value, type, Child(path, field));
                ordered.Add(field);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key is DirectiveMarker or RetainKeysDirective
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)
                || ordered.Contains(key))
            {
                continue;
            }

            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                var field = DirectiveField(key, DeleteFromPrimitiveListPrefix, path);
                DeleteFromPrimitiveList(target, field, value, Child(path, field));
                continue;
            }

            if (value is null)
            {
                target.Remove(key);
                continue;
            }

            var current = target.TryGetPropertyValue(key, out var existing) ? existing : null;
            var merged = MergeValue(current, value, ModelSchema.Member(type, key), StrategyOf(type, key), Child(path, key));
            if (!ReferenceEquals(merged, current))
            {
                target[key] = merged;
            }
        }

        return target;
    }

    private static JsonNode? MergeValue(JsonNode? current, JsonNode patch, Type? type, PatchStrategy? strategy, string path) =>
        (current, patch) switch
        {
            (JsonObject currentObject, JsonObject patchObject) when strategy?.Replaces != true =>
                MergeObject(currentObject, patchObject, type, path),
            (JsonArray currentArray, JsonArray patchArray) => MergeList(currentArray, patchArray, type, strategy, path),
            _ => Fresh(patch, type, strategy, path),
        };

    /// <summary>A patch value with nothing to merge into: merged into an empty value, which drops its directives and nulls.</summary>
    private static JsonNode? Fresh(JsonNode? patch, Type? type, PatchStrategy? strategy, string path) => patch switch
    {
        JsonObject patchObject => MergeObject([], patchObject, type, path),
        JsonArray patchArray => MergeList([], patchArray, type, strategy, path),
        _ => patch?.DeepClone(),
    };

    /// <summary>$retainKeys: members of the target not in the list are cleared; the patch may only set listed members.</summary>
    private static void ApplyRetainKeys(JsonObject target, JsonObject patch, string path)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var directive))
        {
            return;
        }

        if (directive is not JsonArray list || list.Any(k => k is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
        {
            throw PatchErrors.BadRequest($"invalid patch format of retainKeys at {Where(path)}: $retainKeys must be a list of member names, got {PatchErrors.Show(directive)}");
        }

        var retained = list.Select(k => k!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is null || key is DirectiveMarker or RetainKeysDirective
                || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal)
                || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!retained.Contains(key))
            {
                throw PatchErrors.CannotApply($"patch content doesn't match retainKeys list at {Where(path)}: \"{key}\" is set but not listed in $retainKeys");
            }
        }

        foreach (var key in target.Select(p => p.Key).Where(k => !retained.Contains(k)).ToList())
        {
            target.Remove(key);
        }
    }

    /// <summary>$deleteFromPrimitiveList/field: removes the listed values from a list of scalars.</summary>
    private static void DeleteFromPrimitiveList(JsonObject target, string field, JsonNode? values, string path)
    {
        if (values is not JsonArray toDelete)
        {
            throw PatchErrors.BadRequest($"invalid patch format of primitive list at {Where(path)}: $deleteFromPrimitiveList/{field} must be a list, got {PatchErrors.Show(values)}");
        }

        if (target.TryGetPropertyValue(field, out var current) && current is JsonArray list)
        {
            var doomed = new ListIndex([.. toDelete], null);
            var kept = list.Where(item => doomed.IndexOf(item) < 0).ToList();
            if (kept.Count != list.Count)
            {
                // Rebuilt in one pass: removing items one by one shifts the list each time.
                list.Clear();
                foreach (var item in kept)
                {
                    list.Add(item);
                }
            }
        }
    }

    private static string DirectiveName(JsonNode? directive, string path)
    {
        var name = directive is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        return name is "replace" or "delete" or "merge"
            ? name
            : throw PatchErrors.BadRequest($"unknown patch type {PatchErrors.Show(directive)} in $patch at {Where(path)}: use replace, delete or merge");
    }

    /// <summary>The field a "$prefix/field" directive names.</summary>
    private static string DirectiveField(string key, string prefix, string path)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash != prefix.Length || slash == key.Length - 1)
        {
            throw PatchErrors.BadRequest($"invalid patch format at {Where(path)}: \"{key}\" must be \"{prefix}/<field>\"");
        }

        return key[(slash + 1)..];
    }

    private static PatchStrategy? StrategyOf(Type? type, string field) => type is null ? null : PatchMetadata.For(type, field);

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Where(string path) => path.Length == 0 ? "the top level" : $"\"{path}\"";
}
