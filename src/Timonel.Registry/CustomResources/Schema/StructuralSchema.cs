using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources.Schema;

/// <summary>
/// Read access to one node of a CRD's openAPIV3Schema (kept as JSON, as stored in the CRD) and to
/// the values it describes: the vocabulary the validator, pruner and defaulter share.
/// </summary>
internal static class StructuralSchema
{
    public static string? Type(JsonObject s) => s.Str("type");

    public static bool IntOrString(JsonObject s) => s.Bool("x-kubernetes-int-or-string") == true;

    public static bool PreserveUnknown(JsonObject s) => s.Bool("x-kubernetes-preserve-unknown-fields") == true;

    public static bool Embedded(JsonObject s) => s.Bool("x-kubernetes-embedded-resource") == true;

    public static bool Nullable(JsonObject s) => s.Bool("nullable") == true;

    public static JsonObject? Properties(JsonObject s) => s.Obj("properties");

    public static JsonObject? Items(JsonObject s) => s.Obj("items");

    /// <summary>The schema of a map's values (additionalProperties as a schema; true means any value).</summary>
    public static JsonObject? AdditionalProperties(JsonObject s) => s.Obj("additionalProperties");

    public static bool AdditionalPropertiesAllowed(JsonObject s) => s["additionalProperties"] is JsonObject || s.Bool("additionalProperties") == true;

    public static double? Number(JsonObject s, string key) => AsNumber(s[key]);

    // A value the server set itself (a long from the scale subresource, say) is not parsed JSON
    // and answers only to its own CLR type: read such numbers through their JSON text.
    public static double? AsNumber(JsonNode? node) =>
        node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number ? null
        : v.TryGetValue<double>(out var d) ? d
        : double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d) ? d : null;

    public static bool IsWhole(double d) => Math.Abs(d - Math.Round(d)) < double.Epsilon * 4 && !double.IsInfinity(d);

    /// <summary>The OpenAPI type name of a JSON value, as kube-openapi reports it ("integer", "string", "null", ...).</summary>
    public static string TypeOf(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => AsNumber(v) is { } d && IsWhole(d) ? "integer" : "number",
            JsonValueKind.Null => "null",
            _ => "object",
        },
        _ => "object",
    };

    /// <summary>Appends a property to a field path: "spec" + "replicas" = "spec.replicas".</summary>
    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Index(string path, int i) => $"{path}[{i}]";
}
