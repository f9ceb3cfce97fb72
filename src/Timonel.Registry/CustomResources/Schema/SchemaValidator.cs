using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// Validation of a custom resource against its structural schema, with upstream's causes (kube-openapi's
/// validate package as apiextensions words them): "spec.replicas in body must be of type integer",
/// Required value, Unsupported value, Duplicate value, Too long, Too many ...
/// </summary>
internal static class SchemaValidator
{
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The root schema as the validator uses it: apiVersion, kind and metadata are the API server's, not the schema's.</summary>
    public static JsonObject RootSchema(JsonObject schema)
    {
        var root = (JsonObject)schema.DeepClone();
        if (root["properties"] is JsonObject properties)
        {
            properties.Remove("metadata");
            properties.Remove("apiVersion");
            properties.Remove("kind");
        }

        if (root["required"] is JsonArray required)
        {
            root["required"] = new JsonArray(required.Where(r => JsonAccess.AsString(r) is not ("apiVersion" or "kind" or "metadata")).Select(r => r?.DeepClone()).ToArray());
        }

        return root;
    }

    /// <summary>Validates an object at the root against <see cref="RootSchema"/>: apiVersion, kind and metadata are skipped.</summary>
    public static void ValidateRoot(JsonObject obj, JsonObject rootSchema, List<FieldError> errs)
    {
        var body = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is not ("apiVersion" or "kind" or "metadata"))
            {
                body[key] = value?.DeepClone();
            }
        }

        Validate(body, rootSchema, "", errs);
    }

    public static void Validate(JsonNode? value, JsonObject schema, string path, List<FieldError> errs)
    {
        var before = errs.Count;
        if (!CheckType(value, schema, path, errs) || value is null)
        {
            return;
        }

        CheckEnum(value, schema, path, errs);
        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, errs);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errs);
                break;
            case JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String:
                ValidateString(scalar.GetValue<string>(), schema, path, errs);
                break;
            case JsonValue scalar when StructuralSchema.AsNumber(scalar) is { } number:
                ValidateNumber(number, schema, path, errs);
                break;
        }

        if (errs.Count == before)
        {
            ValidateJunctors(value, schema, path, errs);
        }
    }

    // Returns false when the value is of the wrong type (nothing more is checked then, as upstream).
    private static bool CheckType(JsonNode? value, JsonObject schema, string path, List<FieldError> errs)
    {
        var actual = StructuralSchema.TypeOf(value);
        if (actual == "null")
        {
            if (StructuralSchema.Nullable(schema) || StructuralSchema.Type(schema) is null && !StructuralSchema.IntOrString(schema))
            {
                return true;
            }

            errs.Add(TypeError(path, StructuralSchema.IntOrString(schema) ? "integer,string" : StructuralSchema.Type(schema)!, actual));
            return false;
        }

        if (StructuralSchema.IntOrString(schema))
        {
            if (actual is "integer" or "string")
            {
                return true;
            }

            errs.Add(TypeError(path, "integer,string", actual));
            return false;
        }

        var expected = StructuralSchema.Type(schema);
        var ok = expected switch
        {
            null or "" => true,
            "number" => actual is "number" or "integer",
            _ => expected == actual,
        };
        if (!ok)
        {
            errs.Add(TypeError(path, expected!, actual));
        }

        return ok;
    }

    private static FieldError TypeError(string path, string expected, string actual) =>
        FieldError.Invalid(path, actual, $"{path} in body must be of type {expected}: \"{actual}\"");

    private static void CheckEnum(JsonNode value, JsonObject schema, string path, List<FieldError> errs)
    {
        if (schema["enum"] is not JsonArray options || options.Any(o => Same(o, value)))
        {
            return;
        }

        errs.Add(FieldError.NotSupported(path, Display(value), options.Select(Display)));
    }

    private static bool Same(JsonNode? a, JsonNode? b) =>
        StructuralSchema.AsNumber(a) is { } x && StructuralSchema.AsNumber(b) is { } y ? x.Equals(y) : JsonNode.DeepEquals(a, b);

    private static string Display(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : JsonAccess.Compact(node);

    private static void ValidateObject(JsonObject obj, JsonObject schema, string path, List<FieldError> errs)
    {
        foreach (var (_, name) in schema.Arr("required").Strings())
        {
            if (!obj.ContainsKey(name))
            {
                errs.Add(FieldError.Required(StructuralSchema.Child(path, name)));
            }
        }

        if (StructuralSchema.Number(schema, "minProperties") is { } minProps && obj.Count < minProps)
        {
            errs.Add(FieldError.Invalid(path, obj.Count, $"{path} in body should have at least {Num(minProps)} properties"));
        }

        if (StructuralSchema.Number(schema, "maxProperties") is { } maxProps && obj.Count > maxProps)
        {
            errs.Add(FieldError.Invalid(path, obj.Count, $"{path} in body should have at most {Num(maxProps)} properties"));
        }

        var properties = StructuralSchema.Properties(schema);
        var additional = StructuralSchema.AdditionalProperties(schema);
        foreach (var (key, child) in obj)
        {
            var childPath = StructuralSchema.Child(path, key);
            if (properties?[key] is JsonObject property)
            {
                Validate(child, property, childPath, errs);
            }
            else if (additional is not null)
            {
                Validate(child, additional, childPath, errs);
            }
        }

        if (StructuralSchema.Embedded(schema))
        {
            foreach (var field in new[] { "apiVersion", "kind" })
            {
                if (obj.Str(field) is not { Length: > 0 })
                {
                    errs.Add(FieldError.Required(StructuralSchema.Child(path, field), "must not be empty"));
                }
            }

            if (obj.Obj("metadata").Str("name") is { Length: > 0 } name && NameValidation.IsDns1123Subdomain(name) is { Count: > 0 } nameErrs)
            {
                errs.Add(FieldError.Invalid(StructuralSchema.Child(path, "metadata.name"), name, string.Join(",", nameErrs)));
            }
        }
    }

    private static void ValidateArray(JsonArray array, JsonObject schema, string path, List<FieldError> errs)
    {
        if (StructuralSchema.Number(schema, "minItems") is { } minItems && array.Count < minItems)
        {
            errs.Add(FieldError.Invalid(path, array.Count, $"{path} in body should have at least {Num(minItems)} items"));
        }

        if (StructuralSchema.Number(schema, "maxItems") is { } maxItems && array.Count > maxItems)
        {
            errs.Add(FieldError.TooMany(path, array.Count, (int)maxItems));
        }

        if (StructuralSchema.Items(schema) is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, StructuralSchema.Index(path, i), errs);
            }
        }

        ListSemantics.Validate(array, schema, path, errs);
    }

    private static void ValidateString(string value, JsonObject schema, string path, List<FieldError> errs)
    {
        var length = value.EnumerateRunes().Count();
        if (StructuralSchema.Number(schema, "maxLength") is { } maxLength && length > maxLength)
        {
            errs.Add(FieldError.TooLong(path, value, (int)maxLength));
        }

        if (StructuralSchema.Number(schema, "minLength") is { } minLength && length < minLength)
        {
            errs.Add(FieldError.Invalid(path, value, $"{path} in body should be at least {Num(minLength)} chars long"));
        }

        if (schema.Str("pattern") is { } pattern && !Matches(pattern, value))
        {
            errs.Add(FieldError.Invalid(path, value, $"{path} in body should match '{pattern}'"));
        }

        if (schema.Str("format") is { Length: > 0 } format && !SchemaFormats.IsValid(format, value))
        {
            errs.Add(FieldError.Invalid(path, value, $"{path} in body must be of type {format}: \"{value}\""));
        }
    }

    private static bool Matches(string pattern, string value)
    {
        try
        {
            return Regex.IsMatch(value, pattern, RegexOptions.CultureInvariant, PatternTimeout);
        }
        catch (ArgumentException)
        {
            // An invalid pattern is refused when the CRD is written; one stored earlier matches anything.
            return true;
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static void ValidateNumber(double value, JsonObject schema, string path, List<FieldError> errs)
    {
        var shown = Num(value);
        if (StructuralSchema.Number(schema, "minimum") is { } min)
        {
            var exclusive = schema.Bool("exclusiveMinimum") == true;
            if (exclusive ? value <= min : value < min)
            {
                errs.Add(new FieldError(FieldErrorType.Invalid, path, $"{path} in body should be greater than {(exclusive ? "" : "or equal to ")}{Num(min)}", shown, QuoteValue: false));
            }
        }

        if (StructuralSchema.Number(schema, "maximum") is { } max)
        {
            var exclusive = schema.Bool("exclusiveMaximum") == true;
            if (exclusive ? value >= max : value > max)
            {
                errs.Add(new FieldError(FieldErrorType.Invalid, path, $"{path} in body should be less than {(exclusive ? "" : "or equal to ")}{Num(max)}", shown, QuoteValue: false));
            }
        }

        if (StructuralSchema.Number(schema, "multipleOf") is { } factor && factor > 0 && !StructuralSchema.IsWhole(value / factor))
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, path, $"{path} in body should be a multiple of {Num(factor)}", shown, QuoteValue: false));
        }

        var range = schema.Str("format") switch
        {
            "int32" => (int.MinValue, (double)int.MaxValue),
            "int64" => (long.MinValue, long.MaxValue),
            _ => ((double, double)?)null,
        };
        if (range is { } r && (value < r.Item1 || value > r.Item2))
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, path, $"{path} in body must be of type {schema.Str("format")}: \"{shown}\"", shown, QuoteValue: false));
        }
    }

    // allOf, anyOf, oneOf and not: value validations only (structural schemas forbid types in them).
    private static void ValidateJunctors(JsonNode value, JsonObject schema, string path, List<FieldError> errs)
    {
        foreach (var (_, sub) in schema.Arr("allOf").Objects())
        {
            Validate(value, sub, path, errs);
        }

        if (schema.Arr("anyOf") is { Count: > 0 } anyOf && !anyOf.OfType<JsonObject>().Any(s => Passes(value, s, path)))
        {
            errs.Add(FieldError.Invalid(path, Display(value), $"{path} in body must validate at least one schema (anyOf)"));
        }

        if (schema.Arr("oneOf") is { Count: > 0 } oneOf && oneOf.OfType<JsonObject>().Count(s => Passes(value, s, path)) != 1)
        {
            errs.Add(FieldError.Invalid(path, Display(value), $"{path} in body must validate one and only one schema (oneOf)"));
        }

        if (schema.Obj("not") is { } not && Passes(value, not, path))
        {
            errs.Add(FieldError.Invalid(path, Display(value), $"{path} in body must not validate the schema (not)"));
        }
    }

    private static bool Passes(JsonNode value, JsonObject schema, string path)
    {
        var errs = new List<FieldError>();
        Validate(value, schema, path, errs);
        return errs.Count == 0;
    }

    private static string Num(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
