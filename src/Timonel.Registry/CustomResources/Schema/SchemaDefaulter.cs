using System.Text.Json.Nodes;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// Upstream's structural defaulting: a property with a default that is absent (or null while
/// the property is not nullable) gets a copy of the default; then defaulting goes on inside the
/// object, its map values and array items, so that defaults within defaults apply too.
/// </summary>
internal static class SchemaDefaulter
{
    public static void Apply(JsonNode? node, JsonObject schema)
    {
        switch (node)
        {
            case JsonObject obj:
                ApplyObject(obj, schema);
                break;
            case JsonArray array when StructuralSchema.Items(schema) is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is null && !StructuralSchema.Nullable(items) && items["default"] is { } itemDefault)
                    {
                        array[i] = itemDefault.DeepClone();
                    }

                    Apply(array[i], items);
                }

                break;
        }
    }

    private static void ApplyObject(JsonObject obj, JsonObject schema)
    {
        if (StructuralSchema.Properties(schema) is { } properties)
        {
            foreach (var (key, value) in properties)
            {
                if (value is not JsonObject property)
                {
                    continue;
                }

                // A null where the schema does not allow one is dropped before defaulting, as upstream.
                var present = obj.TryGetPropertyValue(key, out var current);
                var dflt = property["default"];
                if (present && current is null && !StructuralSchema.Nullable(property))
                {
                    if (dflt is null)
                    {
                        obj.Remove(key);
                    }
                    else
                    {
                        obj[key] = dflt.DeepClone();
                    }
                }
                else if (!present && dflt is not null)
                {
                    obj[key] = dflt.DeepClone();
                }
            }

            foreach (var (key, value) in properties)
            {
                if (value is JsonObject property && obj[key] is { } child)
                {
                    Apply(child, property);
                }
            }
        }

        if (StructuralSchema.AdditionalProperties(schema) is { } additional)
        {
            foreach (var key in obj.Select(p => p.Key).ToList())
            {
                if (obj[key] is null && !StructuralSchema.Nullable(additional) && additional["default"] is { } mapDefault)
                {
                    obj[key] = mapDefault.DeepClone();
                }

                Apply(obj[key], additional);
            }
        }
    }
}
