using System.Text.Json.Nodes;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// Upstream's pruning: a field the structural schema does not specify is removed, unless the
/// node (or an ancestor without a more specific schema) has x-kubernetes-preserve-unknown-fields.
/// An embedded resource keeps apiVersion, kind and metadata; the root's are never touched.
/// </summary>
internal static class SchemaPruner
{
    public static IReadOnlyList<string> Prune(JsonObject obj, JsonObject schema, bool root)
    {
        var dropped = new List<string>();
        PruneObject(obj, schema, "", root, dropped);
        return dropped;
    }

    private static void Prune(JsonNode? node, JsonObject schema, string path, List<string> dropped)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, StructuralSchema.Embedded(schema), dropped);
                break;
            case JsonArray array when StructuralSchema.Items(schema) is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, StructuralSchema.Index(path, i), dropped);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject obj, JsonObject schema, string path, bool keepTypeMeta, List<string> dropped)
    {
        var properties = StructuralSchema.Properties(schema);
        var additional = StructuralSchema.AdditionalProperties(schema);
        var keepAll = StructuralSchema.PreserveUnknown(schema) || StructuralSchema.AdditionalPropertiesAllowed(schema) && additional is null;
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (keepTypeMeta && key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            var child = StructuralSchema.Child(path, key);
            if (properties?[key] is JsonObject property)
            {
                Prune(obj[key], property, child, dropped);
            }
            else if (additional is not null)
            {
                Prune(obj[key], additional, child, dropped);
            }
            else if (!keepAll)
            {
                obj.Remove(key);
                dropped.Add(child);
            }
        }
    }
}
