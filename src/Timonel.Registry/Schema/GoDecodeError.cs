using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Timonel.Registry.Schema;

/// <summary>
/// Finds the first value (in document order) whose JSON type the model cannot hold and words it
/// as upstream's decoder (Go's encoding/json) does, e.g. <c>json: cannot unmarshal array into Go
/// struct field ServicePort.spec.ports.targetPort of type int32</c>: the struct holding the field,
/// the path of field names (no list indexes or map keys), and the Go type expected. Go names
/// are derived from the model types (V1ServicePort → v1.ServicePort); IntOrString reads a
/// non-string as an int32, as upstream's IntOrString does.
/// </summary>
internal static partial class GoDecodeError
{
    private const string QuantityError = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    /// <summary>The message for the first mismatch, or null when every value fits its field.</summary>
    public static string? Find(JsonObject obj, Type modelType) => Walk(obj, modelType, null, "");

    private static string? Walk(JsonNode? node, Type type, string? structName, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (node is null || type == typeof(object) || type == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(type))
        {
            return null; // null leaves a Go field at its zero value; untyped fields take anything
        }

        if (type == typeof(string))
        {
            return Is(node, JsonValueKind.String) ? null : Mismatch(node, structName, path, "string");
        }

        if (type == typeof(bool))
        {
            return Is(node, JsonValueKind.True) || Is(node, JsonValueKind.False) ? null : Mismatch(node, structName, path, "bool");
        }

        if (type == typeof(int) || type == typeof(IntOrString))
        {
            return type == typeof(IntOrString) && Is(node, JsonValueKind.String) ? null : Integer(node, structName, path, int.MinValue, int.MaxValue, "int32");
        }

        if (type == typeof(long))
        {
            return Integer(node, structName, path, long.MinValue, long.MaxValue, "int64");
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return Is(node, JsonValueKind.Number) ? null : Mismatch(node, structName, path, GoName(type));
        }

        if (type == typeof(byte[]))
        {
            return !Is(node, JsonValueKind.String) ? Mismatch(node, structName, path, "[]uint8")
                : Base64Error(node.GetValue<string>());
        }

        if (type == typeof(ResourceQuantity))
        {
            return Quantity(node);
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return !Is(node, JsonValueKind.String) ? Mismatch(node, structName, path, "string") : Time(node);
        }

        var shape = ModelShape.Of(type);
        if (shape.IsObject)
        {
            if (node is not JsonObject obj)
            {
                return Mismatch(node, structName, path, GoName(type));
            }

            var inner = GoStructName(type);
            foreach (var (key, value) in obj)
            {
                if (shape.Properties.TryGetValue(key, out var propType)
                    && Walk(value, propType, inner, path.Length == 0 ? key : $"{path}.{key}") is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        return shape.Element is not { } element ? null
            : shape.IsMap ? Children(node as JsonObject, node, element, structName, path, $"map[string]{GoName(element)}")
            : Children(node as JsonArray, node, element, structName, path, $"[]{GoName(element)}");
    }

    private static string? Children(IEnumerable<KeyValuePair<string, JsonNode?>>? map, JsonNode node, Type element, string? structName, string path, string goType)
    {
        if (map is null)
        {
            return Mismatch(node, structName, path, goType);
        }

        foreach (var (_, value) in map)
        {
            if (Walk(value, element, structName, path) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? Children(JsonArray? list, JsonNode node, Type element, string? structName, string path, string goType)
    {
        if (list is null)
        {
            return Mismatch(node, structName, path, goType);
        }

        foreach (var value in list)
        {
            if (Walk(value, element, structName, path) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? Integer(JsonNode node, string? structName, string path, long min, long max, string goType)
    {
        if (!Is(node, JsonValueKind.Number))
        {
            return Mismatch(node, structName, path, goType);
        }

        // Go names the number itself when it is not an integer of the field's width.
        var text = node.ToJsonString();
        return long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? null
            : Describe(structName, path, $"number {text}", goType);
    }

    private static string? Quantity(JsonNode node)
    {
        if (!Is(node, JsonValueKind.String) && !Is(node, JsonValueKind.Number))
        {
            return QuantityError;
        }

        try
        {
            _ = new ResourceQuantity(Is(node, JsonValueKind.String) ? node.GetValue<string>() : node.ToJsonString());
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return QuantityError;
        }
    }

    private static string? Time(JsonNode node)
    {
        try
        {
            _ = KubernetesJson.Deserialize<DateTime>(node);
            return null;
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            return $"parsing time {JsonSerializer.Serialize(node.GetValue<string>())} as \"2006-01-02T15:04:05Z07:00\": cannot parse it as RFC 3339";
        }
    }

    private static string? Base64Error(string text)
    {
        try
        {
            _ = Convert.FromBase64String(text);
            return null;
        }
        catch (FormatException)
        {
            var bad = text.AsSpan().IndexOfAnyExcept(Base64Alphabet);
            return $"illegal base64 data at input byte {(bad >= 0 ? bad : text.Length)}";
        }
    }

    private static readonly System.Buffers.SearchValues<char> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");

    private static string Mismatch(JsonNode node, string? structName, string path, string goType) =>
        Describe(structName, path, Kind(node), goType);

    private static string Describe(string? structName, string path, string value, string goType) =>
        structName is null || path.Length == 0
            ? $"json: cannot unmarshal {value} into Go value of type {goType}"
            : $"json: cannot unmarshal {value} into Go struct field {structName}.{path} of type {goType}";

    private static string Kind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => "bool",
    };

    private static bool Is(JsonNode node, JsonValueKind kind) => node.GetValueKind() == kind;

    /// <summary>Go's spelling of the type a model property holds: int32, []v1.Container, map[string]string.</summary>
    private static string GoName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "string";
        if (type == typeof(int)) return "int32";
        if (type == typeof(long)) return "int64";
        if (type == typeof(bool)) return "bool";
        if (type == typeof(double)) return "float64";
        if (type == typeof(float)) return "float32";
        if (type == typeof(byte[])) return "[]uint8";
        if (type == typeof(IntOrString)) return "intstr.IntOrString";
        if (type == typeof(ResourceQuantity)) return "resource.Quantity";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "v1.Time";
        var shape = ModelShape.Of(type);
        if (!shape.IsObject && shape.Element is { } element)
        {
            return shape.IsMap ? $"map[string]{GoName(element)}" : $"[]{GoName(element)}";
        }

        var match = ModelName().Match(type.Name);
        return match.Success ? $"v{match.Groups[1].Value}.{match.Groups[2].Value}" : "interface {}";
    }

    /// <summary>The Go struct's own name: V1ServicePort → ServicePort.</summary>
    private static string GoStructName(Type type)
    {
        var match = ModelName().Match(type.Name);
        return match.Success ? match.Groups[2].Value : type.Name;
    }

    // KubernetesClient names models Version+Name, with a group prefix where names collide
    // (Corev1Event, Eventsv1Event).
    [GeneratedRegex(@"^(?:[A-Z][a-z]+)?[Vv]([0-9]+(?:alpha[0-9]+|beta[0-9]+)?)([A-Z][A-Za-z0-9]*)$")]
    private static partial Regex ModelName();
}
