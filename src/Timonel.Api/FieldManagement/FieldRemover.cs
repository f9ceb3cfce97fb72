using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>
/// Removes from a merged object the fields a manager applied before and applies no more, unless
/// some manager (it included) still owns them or something below them (upstream's prune,
/// addBackOwnedItems and addBackDanglingItems). A struct field left empty by the removal goes too.
/// </summary>
public static class FieldRemover
{
    /// <summary>Changes <paramref name="merged"/> in place.</summary>
    public static void Prune(JsonObject merged, FieldSet previouslyApplied, FieldSet owned, SchemaNode schema)
    {
        if (!previouslyApplied.IsEmpty)
        {
            PruneObject(merged, schema, previouslyApplied, owned, []);
        }
    }

    private static void PruneObject(JsonObject obj, SchemaNode schema, FieldSet last, FieldSet owned, List<string> path, IReadOnlyList<string>? keep = null)
    {
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (keep is not null && keep.Contains(key))
            {
                // A kept list item keeps the keys that name it.
                continue;
            }

            var element = FieldPath.Field(key);
            if (!last.Members.Contains(element) && !last.Children.ContainsKey(element))
            {
                continue;
            }

            path.Add(element);
            if (Decide(obj[key], schema.Child(key), last, owned, path))
            {
                obj.Remove(key);
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>Prunes below the value; true when the value itself should go.</summary>
    private static bool Decide(JsonNode? value, SchemaNode? declared, FieldSet last, FieldSet owned, List<string> path, IReadOnlyList<string>? listKeys = null)
    {
        var element = path[^1];
        if (!owned.HasAtOrBelow(path))
        {
            // Nobody owns it any more: whatever the manager set there goes.
            return true;
        }

        if (!last.Children.TryGetValue(element, out var lastBelow))
        {
            return false;
        }

        var ownedBelow = owned.Children.TryGetValue(element, out var o) ? o : new FieldSet();
        var schema = SchemaNode.Resolve(declared, value);
        var keys = element.StartsWith("k:", StringComparison.Ordinal) ? listKeys : null;
        switch (value)
        {
            case JsonObject obj when schema.Kind is SchemaKind.Struct or SchemaKind.Map && !schema.Atomic:
                PruneObject(obj, schema, lastBelow, ownedBelow, [], keys);
                return obj.Count == 0 && !owned.Has(path);
            case JsonArray list when schema.Kind == SchemaKind.List && schema.ListType != ListType.Atomic:
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    if (schema.ItemElement(list[i], out _) is not { } itemElement
                        || !lastBelow.Members.Contains(itemElement) && !lastBelow.Children.ContainsKey(itemElement))
                    {
                        continue;
                    }

                    if (Decide(list[i], schema.Items, lastBelow, ownedBelow, [itemElement], schema.ListKeys))
                    {
                        list.RemoveAt(i);
                    }
                }

                return false;
            default:
                return false;
        }
    }
}
