using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Validation;

/// <summary>
/// Tolerant readers and writers over wire JSON: a field of the wrong JSON type reads as absent,
/// so validators never throw on odd input (type errors are the decoder's business).
/// </summary>
public static class JsonAccess
{
    public static JsonObject? Obj(this JsonNode? node, string key) => (node as JsonObject)?[key] as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, string key) => (node as JsonObject)?[key] as JsonArray;

    public static string? Str(this JsonNode? node, string key) => AsString((node as JsonObject)?[key]);

    public static long? Int(this JsonNode? node, string key) => AsLong((node as JsonObject)?[key]);

    public static bool? Bool(this JsonNode? node, string key) =>
        (node as JsonObject)?[key] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? v.GetValueKind() == JsonValueKind.True
            : null;

    public static bool Has(this JsonNode? node, string key) => (node as JsonObject)?[key] is not null;

    /// <summary>
    /// The string a value holds, else null. TryGetValue rather than GetValueKind + GetValue: a value
    /// built in code from a char, Guid or date also has kind String, and GetValue&lt;string&gt; throws on it.
    /// </summary>
    public static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? AsLong(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }
        var text = v.ToJsonString();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e18 ? (long)d : null;
    }

    /// <summary>
    /// A whole number as the API server's metadata code has always read it: an integral JSON number,
    /// or a float with no fraction (converted with .NET's saturating cast, so 1e19 reads as long.MaxValue).
    /// Unlike <see cref="AsLong"/>, a value built in code reads only when it holds a long or a double
    /// (an int reads as null), and huge floats are not refused; kept apart so no caller's result changes.
    /// </summary>
    public static long? WholeNumber(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? l
        : node is JsonValue d && d.TryGetValue<double>(out var x) && x == Math.Floor(x) ? (long)x
        : null;

    /// <summary>A number or a string as its text (quantities and int-or-string fields take both).</summary>
    public static string? Scalar(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.Number => v.ToJsonString(),
            _ => null,
        }
        : null;

    /// <summary>The items of an array that are objects, with their index.</summary>
    public static IEnumerable<(int Index, JsonObject Item)> Objects(this JsonArray? array)
    {
        if (array is null)
        {
            yield break;
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject o)
            {
                yield return (i, o);
            }
        }
    }

    /// <summary>The string items of an array, with their index.</summary>
    public static IEnumerable<(int Index, string Value)> Strings(this JsonArray? array)
    {
        if (array is null)
        {
            yield break;
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (AsString(array[i]) is { } s)
            {
                yield return (i, s);
            }
        }
    }

    /// <summary>The string-valued entries of a map such as labels.</summary>
    public static IEnumerable<KeyValuePair<string, string>> StringMap(this JsonObject? map)
    {
        if (map is null)
        {
            yield break;
        }
        foreach (var (k, v) in map)
        {
            yield return new(k, AsString(v) ?? Scalar(v) ?? "");
        }
    }

    /// <summary>The child object at key, created (replacing null or a non-object) when missing.</summary>
    public static JsonObject Ensure(this JsonObject obj, string key)
    {
        if (obj[key] is JsonObject o)
        {
            return o;
        }
        var created = new JsonObject();
        obj[key] = created;
        return created;
    }

    /// <summary>Sets key when it is absent or null (upstream's "if x == nil" defaulting).</summary>
    public static void Default(this JsonObject obj, string key, JsonNode value)
    {
        if (obj[key] is null)
        {
            obj[key] = value;
        }
    }

    /// <summary>Sets a string key when it is absent, null or "" (upstream's "if x == \"\"" defaulting).</summary>
    public static void DefaultString(this JsonObject obj, string key, string value)
    {
        if (string.IsNullOrEmpty(obj.Str(key)))
        {
            obj[key] = value;
        }
    }

    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(Normal(a), Normal(b));

    /// <summary>Compact JSON of a value, used as the bad value of errors about whole objects.</summary>
    public static string Compact(JsonNode? node) => node?.ToJsonString() ?? "null";

    // An empty object, array or string is how Go would see an omitted field.
    private static JsonNode? Normal(JsonNode? n) => n switch
    {
        JsonObject { Count: 0 } => null,
        JsonArray { Count: 0 } => null,
        _ => n,
    };
}
