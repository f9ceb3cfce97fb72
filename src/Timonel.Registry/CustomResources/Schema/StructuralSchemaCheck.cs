using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// Whether a CRD version's openAPIV3Schema is structural, as upstream requires of apiextensions/v1:
/// every specified node has a type (unless x-kubernetes-int-or-string or preserve-unknown-fields),
/// only allowed constructs, metadata at the root limited to name and generateName, and defaults
/// valid against their schema and free of unknown fields. Paths and messages are upstream's.
/// </summary>
public static class StructuralSchemaCheck
{
    private static readonly string[] Types = ["array", "boolean", "integer", "number", "object", "string"];
    private static readonly string[] ListTypes = ["atomic", "map", "set"];
    private static readonly string[] MapTypes = ["atomic", "granular"];

    public static void Validate(JsonObject schema, string path, List<FieldError> errs)
    {
        Node(schema, path, Context.Root, errs);
        if (schema.Obj("properties").Obj("metadata") is { } metadata)
        {
            Metadata(metadata, $"{path}.properties[metadata]", errs);
        }
    }

    private enum Context
    {
        Root,
        Field,
        Item,
        MapValue,
        Junctor,

        // An allOf/anyOf/oneOf/not of a node with x-kubernetes-int-or-string: upstream allows type integer or string there.
        IntOrStringJunctor,
    }

    private static void Node(JsonObject s, string path, Context context, List<FieldError> errs)
    {
        var type = s.Str("type");
        var intOrString = StructuralSchema.IntOrString(s);
        var preserve = StructuralSchema.PreserveUnknown(s);
        var inJunctor = context is Context.Junctor or Context.IntOrStringJunctor;
        if (!inJunctor)
        {
            if (intOrString && type is { Length: > 0 })
            {
                errs.Add(FieldError.Invalid($"{path}.type", type, "must be empty if x-kubernetes-int-or-string is true"));
            }
            else if (type is not { Length: > 0 } && !intOrString && !preserve && context != Context.Root)
            {
                errs.Add(FieldError.Required($"{path}.type", context switch
                {
                    Context.Item => "must not be empty for specified array items",
                    Context.MapValue => "must not be empty for specified map values",
                    _ => "must not be empty for specified object fields",
                }));
            }
        }
        else
        {
            foreach (var forbidden in new[] { "type", "default", "nullable", "additionalProperties", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string" })
            {
                var allowed = forbidden == "x-kubernetes-int-or-string" && s.Bool(forbidden) == false
                    || forbidden == "type" && context == Context.IntOrStringJunctor && type is "integer" or "string";
                if (s[forbidden] is not null && !allowed)
                {
                    errs.Add(FieldError.Forbidden($"{path}.{forbidden}", $"must be {(forbidden == "type" ? "empty" : "undefined")} to be structural"));
                }
            }
        }

        if (type is { Length: > 0 } && !Types.Contains(type))
        {
            errs.Add(FieldError.NotSupported($"{path}.type", type, Types));
        }

        if (s["$ref"] is not null)
        {
            errs.Add(FieldError.Forbidden($"{path}.$ref", "$ref is not supported"));
        }

        if (s.Bool("uniqueItems") == true)
        {
            errs.Add(FieldError.Forbidden($"{path}.uniqueItems", "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }

        if (s.Bool("x-kubernetes-preserve-unknown-fields") == false)
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, $"{path}.x-kubernetes-preserve-unknown-fields", "must be true or undefined", "false", QuoteValue: false));
        }

        if (s["additionalProperties"] is JsonValue additionalFlag && additionalFlag.GetValueKind() == System.Text.Json.JsonValueKind.False)
        {
            errs.Add(FieldError.Forbidden($"{path}.additionalProperties", "additionalProperties cannot be set to false"));
        }

        if (s["additionalProperties"] is not null && s["properties"] is not null && s.Bool("additionalProperties") != false)
        {
            errs.Add(FieldError.Forbidden($"{path}.additionalProperties", "additionalProperties and properties are mutual exclusive"));
        }

        if (s["items"] is JsonArray)
        {
            errs.Add(FieldError.Forbidden($"{path}.items", "items must be a schema object and not an array"));
        }

        if (StructuralSchema.Embedded(s) && type != "object" && !preserve)
        {
            errs.Add(FieldError.Invalid($"{path}.type", type ?? "", "must be object if x-kubernetes-embedded-resource is true"));
        }

        if (s.Str("pattern") is { } pattern && !IsRegex(pattern))
        {
            errs.Add(FieldError.Invalid($"{path}.pattern", pattern, "must be a valid regular expression"));
        }

        ListAndMapTypes(s, path, type, errs);
        Children(s, path, inJunctor, errs);
        if (s["default"] is { } dflt && !inJunctor)
        {
            Default(dflt, s, path, errs);
        }
    }

    private static void ListAndMapTypes(JsonObject s, string path, string? type, List<FieldError> errs)
    {
        if (s.Str("x-kubernetes-list-type") is { } listType)
        {
            if (!ListTypes.Contains(listType))
            {
                errs.Add(FieldError.NotSupported($"{path}.x-kubernetes-list-type", listType, ListTypes));
            }
            else if (type != "array")
            {
                errs.Add(FieldError.Invalid($"{path}.type", type ?? "", "must be array if x-kubernetes-list-type is specified"));
            }
            else if (listType == "map" && s.Arr("x-kubernetes-list-map-keys") is not { Count: > 0 })
            {
                errs.Add(FieldError.Required($"{path}.x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"));
            }
            else if (listType == "set" && StructuralSchema.Items(s)?.Str("type") is "object" or "array")
            {
                errs.Add(FieldError.Invalid($"{path}.items.type", StructuralSchema.Items(s)!.Str("type"), "must be a scalar type if x-kubernetes-list-type is set"));
            }
        }

        if (s["x-kubernetes-list-map-keys"] is not null && s.Str("x-kubernetes-list-type") != "map")
        {
            errs.Add(FieldError.Invalid($"{path}.x-kubernetes-list-type", s.Str("x-kubernetes-list-type") ?? "", "must be map if x-kubernetes-list-map-keys is non-empty"));
        }

        if (s.Str("x-kubernetes-map-type") is { } mapType)
        {
            if (!MapTypes.Contains(mapType))
            {
                errs.Add(FieldError.NotSupported($"{path}.x-kubernetes-map-type", mapType, MapTypes));
            }
            else if (type != "object")
            {
                errs.Add(FieldError.Invalid($"{path}.type", type ?? "", "must be object if x-kubernetes-map-type is specified"));
            }
        }
    }

    // Below a value validation (allOf, anyOf, oneOf, not) nodes need no type: they only constrain values.
    private static void Children(JsonObject s, string path, bool inJunctor, List<FieldError> errs)
    {
        var junctor = StructuralSchema.IntOrString(s) ? Context.IntOrStringJunctor : Context.Junctor;
        foreach (var (name, child) in s.Obj("properties") ?? [])
        {
            if (child is JsonObject property)
            {
                Node(property, $"{path}.properties[{name}]", inJunctor ? Context.Junctor : Context.Field, errs);
            }
        }

        if (StructuralSchema.Items(s) is { } items)
        {
            Node(items, $"{path}.items", inJunctor ? Context.Junctor : Context.Item, errs);
        }

        if (StructuralSchema.AdditionalProperties(s) is { } additional)
        {
            Node(additional, $"{path}.additionalProperties", inJunctor ? Context.Junctor : Context.MapValue, errs);
        }

        foreach (var name in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var (i, sub) in s.Arr(name).Objects())
            {
                Node(sub, $"{path}.{name}[{i}]", junctor, errs);
            }
        }

        if (s.Obj("not") is { } not)
        {
            Node(not, $"{path}.not", junctor, errs);
        }
    }

    // A default must be valid against its own schema and must not carry fields pruning would drop.
    private static void Default(JsonNode dflt, JsonObject s, string path, List<FieldError> errs)
    {
        var copy = dflt.DeepClone();
        if (copy is JsonObject obj)
        {
            var dropped = SchemaPruner.Prune(obj, s, root: false);
            if (dropped.Count > 0)
            {
                errs.Add(FieldError.Invalid($"{path}.default", JsonAccess.Compact(dflt), "must not have unknown fields: " + string.Join(", ", dropped.Select(d => $"\"{d}\""))));
                return;
            }
        }

        SchemaValidator.Validate(copy, s, $"{path}.default", errs);
    }

    // Upstream: metadata at the root may only restrict name and generateName, as type object.
    private static void Metadata(JsonObject metadata, string path, List<FieldError> errs)
    {
        var allowed = new HashSet<string>(["type", "properties", "description"], StringComparer.Ordinal);
        var extra = metadata.Select(p => p.Key).Where(k => !allowed.Contains(k)).ToList();
        var props = metadata.Obj("properties")?.Select(p => p.Key).Where(k => k is not ("name" or "generateName")).ToList() ?? [];
        if (extra.Count > 0 || props.Count > 0 || metadata.Str("type") is { Length: > 0 } t && t != "object")
        {
            errs.Add(FieldError.Forbidden(path, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
        }
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
