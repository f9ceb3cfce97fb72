using System.Text.Json.Nodes;
using Timonel.Cel.Values;

namespace Timonel.Cel.Checking;

/// <summary>
/// The CEL type of a structural OpenAPI schema, as Kubernetes derives it (apiextensions SchemaDeclType):
/// int-or-string is dyn; objects with properties are object types exposing exactly those properties
/// (x-kubernetes-preserve-unknown-fields does not expose unknown ones); additionalProperties make
/// map(string, T); arrays list(T); strings of format byte, duration, date, date-time are bytes,
/// duration, timestamp. A resource's root (and embedded resources) always expose apiVersion, kind,
/// metadata.name and metadata.generateName. Null when the schema is not exposed to CEL.
/// </summary>
public static class CelSchemaTypes
{
    public static CelType? FromSchema(JsonNode? schema, string typeName = "self", bool isResourceRoot = true)
    {
        if (schema is not JsonObject s)
        {
            return null;
        }
        if (Flag(s, "x-kubernetes-int-or-string"))
        {
            return CelType.Dyn;
        }
        var type = (s["type"] as JsonValue)?.GetValue<string>();
        switch (type)
        {
            case "array":
                var items = FromSchema(s["items"], typeName + ".@items", Flag(s["items"] as JsonObject, "x-kubernetes-embedded-resource"));
                return items is null ? null : CelType.ListOf(items);
            case "object":
                if (s["additionalProperties"] is JsonObject additional)
                {
                    var values = FromSchema(additional, typeName + ".@values", Flag(additional, "x-kubernetes-embedded-resource"));
                    return values is null ? null : CelType.MapOf(CelType.String, values);
                }
                var fields = new Dictionary<string, CelType>(StringComparer.Ordinal);
                if (s["properties"] is JsonObject props)
                {
                    foreach (var (name, prop) in props)
                    {
                        if (FieldNames.Escape(name) is { } field
                            && FromSchema(prop, typeName + "." + field, Flag(prop as JsonObject, "x-kubernetes-embedded-resource")) is { } ft)
                        {
                            fields[field] = ft;
                        }
                    }
                }
                if (isResourceRoot)
                {
                    fields.TryAdd("apiVersion", CelType.String);
                    fields.TryAdd("kind", CelType.String);
                    if (fields.TryGetValue("metadata", out var meta) && meta.IsObject)
                    {
                        var m = new Dictionary<string, CelType>(meta.Fields!, StringComparer.Ordinal);
                        m.TryAdd("name", CelType.String);
                        m.TryAdd("generateName", CelType.String);
                        fields["metadata"] = CelType.ObjectOf(meta.Name, m);
                    }
                    else
                    {
                        fields["metadata"] = CelType.ObjectOf(typeName + ".metadata",
                            new Dictionary<string, CelType> { ["name"] = CelType.String, ["generateName"] = CelType.String });
                    }
                }
                return CelType.ObjectOf(typeName, fields);
            case "string":
                return ((s["format"] as JsonValue)?.GetValue<string>()) switch
                {
                    "byte" => CelType.Bytes,
                    "duration" => CelType.Duration,
                    "date" or "date-time" => CelType.Timestamp,
                    _ => CelType.String,
                };
            case "boolean":
                return CelType.Bool;
            case "number":
                return CelType.Double;
            case "integer":
                return CelType.Int;
            default:
                return null;
        }
    }

    private static bool Flag(JsonObject? s, string name) => s?[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
}
