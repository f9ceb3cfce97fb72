using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// x-kubernetes-list-type set and map: no two items (set) or no two items with the same keys (map),
/// reported as upstream's "Duplicate value" on the later item.
/// </summary>
internal static class ListSemantics
{
    public static void Validate(JsonArray array, JsonObject schema, string path, List<FieldError> errs)
    {
        switch (schema.Str("x-kubernetes-list-type"))
        {
            case "set":
                for (var i = 0; i < array.Count; i++)
                {
                    for (var j = 0; j < i; j++)
                    {
                        if (JsonNode.DeepEquals(array[i], array[j]))
                        {
                            errs.Add(new FieldError(FieldErrorType.Duplicate, StructuralSchema.Index(path, i), "", Show(array[i]), QuoteValue: array[i] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String));
                            break;
                        }
                    }
                }

                break;
            case "map":
                var keys = schema.Arr("x-kubernetes-list-map-keys").Strings().Select(k => k.Value).ToList();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is not JsonObject item)
                    {
                        continue;
                    }

                    var key = new JsonObject(keys.Where(item.ContainsKey).Select(k => KeyValuePair.Create(k, item[k]?.DeepClone())));
                    if (!seen.Add(key.ToJsonString()))
                    {
                        errs.Add(new FieldError(FieldErrorType.Duplicate, StructuralSchema.Index(path, i), "", GoMap(key), QuoteValue: false));
                    }
                }

                break;
        }
    }

    private static string Show(JsonNode? node) => node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : JsonAccess.Compact(node);

    // Upstream prints the key as a Go map literal: map[string]interface {}{"name":"a"}.
    private static string GoMap(JsonObject key)
    {
        var text = new StringBuilder("map[string]interface {}{");
        text.AppendJoin(", ", key.Select(p => $"\"{p.Key}\":{JsonAccess.Compact(p.Value)}"));
        return text.Append('}').ToString();
    }
}
