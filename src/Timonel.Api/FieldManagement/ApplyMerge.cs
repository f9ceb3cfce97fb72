using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>
/// Merges an applied configuration into a live object (upstream's typed Merge): the
/// configuration's scalars and atomic values win, granular structs and maps merge key by key,
/// list-maps merge item by key, sets by value, atomic lists are replaced. Neither input changes.
/// </summary>
public static class ApplyMerge
{
    public static JsonObject Merge(JsonObject live, JsonObject config, SchemaNode schema) =>
        (JsonObject)MergeNode(live, config, schema)!;

    private static JsonNode? MergeNode(JsonNode? live, JsonNode? config, SchemaNode? declared)
    {
        var schema = SchemaNode.Resolve(declared, config);
        switch (schema.Kind)
        {
            case SchemaKind.Struct or SchemaKind.Map when !schema.Atomic && live is JsonObject l && config is JsonObject c:
                var merged = new JsonObject();
                foreach (var (key, value) in l)
                {
                    merged[key] = c.TryGetPropertyValue(key, out var applied) ? MergeNode(value, applied, schema.Child(key)) : value?.DeepClone();
                }

                foreach (var (key, value) in c)
                {
                    if (!l.ContainsKey(key))
                    {
                        merged[key] = value?.DeepClone();
                    }
                }

                return merged;
            case SchemaKind.List when schema.ListType != ListType.Atomic && live is JsonArray la && config is JsonArray ca:
                return MergeList(la, ca, schema);
            default:
                return config?.DeepClone();
        }
    }

    /// <summary>
    /// Applied items keep the configuration's order; a live item the configuration does not
    /// name stays just before the applied item that followed it in the live list.
    /// </summary>
    private static JsonArray MergeList(JsonArray live, JsonArray config, SchemaNode schema)
    {
        var liveItems = ObjectFields.IndexList(live, schema);
        var configItems = ObjectFields.IndexList(config, schema);
        var liveIndex = liveItems.Select((p, i) => (p.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
        var applied = configItems.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var result = new JsonArray();
        var next = 0;
        foreach (var (element, item) in configItems)
        {
            if (liveIndex.TryGetValue(element, out var at))
            {
                for (; next <= at; next++)
                {
                    if (!applied.Contains(liveItems[next].Key))
                    {
                        result.Add(liveItems[next].Value?.DeepClone());
                    }
                }

                result.Add(MergeNode(liveItems[at].Value, item, schema.Items));
            }
            else
            {
                result.Add(item?.DeepClone());
            }
        }

        for (; next < liveItems.Count; next++)
        {
            if (!applied.Contains(liveItems[next].Key))
            {
                result.Add(liveItems[next].Value?.DeepClone());
            }
        }

        return result;
    }
}
