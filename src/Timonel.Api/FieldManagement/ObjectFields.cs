using System.Text.Json.Nodes;
using Timonel.Api.Patch;

namespace Timonel.Api.FieldManagement;

/// <summary>What changed between two objects, as field sets (upstream's typed.Comparison).</summary>
public sealed record FieldComparison(FieldSet Added, FieldSet Modified, FieldSet Removed)
{
    public bool IsSame => Added.IsEmpty && Modified.IsEmpty && Removed.IsEmpty;
}

/// <summary>
/// The fields an object sets (upstream's ToFieldSet) and the fields that differ between two
/// objects (upstream's Compare), by the object's schema.
/// </summary>
public static class ObjectFields
{
    /// <summary>
    /// The fields <paramref name="obj"/> sets: every scalar, atomic value and list item, map
    /// entries, and empty or null objects. With <paramref name="strict"/> a list item that cannot
    /// be named (a missing list-map key) is an error, otherwise it is skipped.
    /// </summary>
    public static FieldSet ToFieldSet(JsonObject obj, SchemaNode schema, bool strict = false)
    {
        var set = new FieldSet();
        Collect(obj, schema, [], set, strict);
        return set;
    }

    public static FieldComparison Compare(JsonObject? before, JsonObject after, SchemaNode schema)
    {
        var result = new FieldComparison(new FieldSet(), new FieldSet(), new FieldSet());
        CompareNode(before ?? [], true, after, true, schema, [], result, isStructField: true);
        return result;
    }

    private static void Collect(JsonNode? value, SchemaNode? declared, List<string> path, FieldSet set, bool strict)
    {
        var schema = SchemaNode.Resolve(declared, value);
        if (value is null)
        {
            set.Insert(path);
            return;
        }

        switch (schema.Kind)
        {
            case SchemaKind.List when value is JsonArray list:
                if (schema.ListType == ListType.Atomic)
                {
                    set.Insert(path);
                    return;
                }

                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Count; i++)
                {
                    if (schema.ItemElement(list[i], out var problem) is not { } element)
                    {
                        if (strict)
                        {
                            throw new FieldPathException(FieldPath.Display(path), $"element {i}: {problem ?? "a set item must be a scalar"}");
                        }

                        continue;
                    }

                    if (!seen.Add(element) && strict)
                    {
                        throw new FieldPathException(FieldPath.Display(path), $"duplicate entries for key {FieldPath.Display([element])[1..^1]}");
                    }

                    path.Add(element);
                    Collect(list[i], schema.Items, path, set, strict);
                    set.Insert(path);
                    path.RemoveAt(path.Count - 1);
                }

                return;
            case SchemaKind.Struct or SchemaKind.Map when value is JsonObject obj:
                if (schema.Atomic)
                {
                    set.Insert(path);
                    return;
                }

                foreach (var (key, child) in obj)
                {
                    path.Add(FieldPath.Field(key));
                    Collect(child, schema.Child(key), path, set, strict);
                    if (child is null or JsonObject { Count: 0 } || !schema.Declares(key))
                    {
                        set.Insert(path);
                    }

                    path.RemoveAt(path.Count - 1);
                }

                return;
            default:
                set.Insert(path);
                return;
        }
    }

    private static void CompareNode(JsonNode? lhs, bool hasLhs, JsonNode? rhs, bool hasRhs, SchemaNode? declared, List<string> path, FieldComparison result, bool isStructField)
    {
        var schema = SchemaNode.Resolve(declared, hasRhs ? rhs : lhs);
        var leaf = schema.Kind switch
        {
            SchemaKind.List => schema.ListType == ListType.Atomic || IsEmpty(lhs) && IsEmpty(rhs) || lhs is not (JsonArray or null) || rhs is not (JsonArray or null),
            SchemaKind.Struct or SchemaKind.Map => schema.Atomic || IsEmpty(lhs) && IsEmpty(rhs) || lhs is not (JsonObject or null) || rhs is not (JsonObject or null),
            _ => true,
        };

        if (leaf)
        {
            if (path.Count == 0)
            {
                return;
            }

            if (!hasLhs)
            {
                result.Added.Insert(path);
            }
            else if (!hasRhs)
            {
                result.Removed.Insert(path);
            }
            else if (!JsonValues.DeepEqual(lhs, rhs))
            {
                result.Modified.Insert(path);
            }

            return;
        }

        if (schema.Kind == SchemaKind.List)
        {
            CompareItems(lhs as JsonArray, rhs as JsonArray, schema, path, result);
        }
        else
        {
            var left = lhs as JsonObject;
            var right = rhs as JsonObject;
            foreach (var key in (left?.Select(p => p.Key) ?? []).Union(right?.Select(p => p.Key) ?? [], StringComparer.Ordinal))
            {
                JsonNode? l = null, r = null;
                var hasL = left is not null && left.TryGetPropertyValue(key, out l);
                var hasR = right is not null && right.TryGetPropertyValue(key, out r);
                path.Add(FieldPath.Field(key));
                CompareNode(l, hasL, r, hasR, schema.Child(key), path, result, schema.Declares(key));
                path.RemoveAt(path.Count - 1);
            }
        }

        // A struct field that appears is not marked itself (upstream's zero-valued Go structs
        // already hold it); a map, list item or optional value that appears is.
        if (path.Count > 0 && !(isStructField && schema.Kind == SchemaKind.Struct))
        {
            if (!hasLhs)
            {
                result.Added.Insert(path);
            }
            else if (!hasRhs)
            {
                result.Removed.Insert(path);
            }
        }
    }

    private static void CompareItems(JsonArray? lhs, JsonArray? rhs, SchemaNode schema, List<string> path, FieldComparison result)
    {
        var left = Index(lhs, schema);
        var right = Index(rhs, schema);
        foreach (var (element, r) in right)
        {
            var hasL = left.TryGetValue(element, out var l);
            path.Add(element);
            CompareNode(l, hasL, r, true, schema.Items, path, result, isStructField: false);
            path.RemoveAt(path.Count - 1);
        }

        foreach (var (element, l) in left)
        {
            if (!right.ContainsKey(element))
            {
                path.Add(element);
                CompareNode(l, true, null, false, schema.Items, path, result, isStructField: false);
                path.RemoveAt(path.Count - 1);
            }
        }
    }

    /// <summary>Items by their path element, first occurrence winning (as upstream ignores repeats); unnamed items skipped.</summary>
    internal static List<KeyValuePair<string, JsonNode?>> IndexList(JsonArray? list, SchemaNode schema)
    {
        var items = new List<KeyValuePair<string, JsonNode?>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list ?? [])
        {
            if (schema.ItemElement(item, out _) is { } element && seen.Add(element))
            {
                items.Add(KeyValuePair.Create(element, item));
            }
        }

        return items;
    }

    private static Dictionary<string, JsonNode?> Index(JsonArray? list, SchemaNode schema) =>
        IndexList(list, schema).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static bool IsEmpty(JsonNode? node) => node is null or JsonObject { Count: 0 } or JsonArray { Count: 0 };
}

/// <summary>An applied configuration that cannot be typed (a list item without its key, a duplicate key).</summary>
public sealed class FieldPathException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}
