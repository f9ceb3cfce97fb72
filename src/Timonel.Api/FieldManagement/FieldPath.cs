using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>
/// Path elements in their FieldsV1 spelling, which is also their identity: "f:name" (a field),
/// "k:{"name":"nginx"}" (a list item by its keys, keys sorted), "v:"x"" (a set item by value),
/// "i:3" (an item by position). Keeping the spelling canonical makes equal elements equal strings.
/// </summary>
public static class FieldPath
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = false };

    public static string Field(string name) => "f:" + name;

    public static string Index(int index) => "i:" + index.ToString(CultureInfo.InvariantCulture);

    public static string Value(JsonNode? value) => "v:" + Canonical(value);

    /// <summary>A list-map item by its key fields (sorted by name, as upstream serializes them).</summary>
    public static string Key(IEnumerable<KeyValuePair<string, JsonNode?>> fields)
    {
        var sorted = new JsonObject();
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            sorted[name] = value?.DeepClone();
        }

        return "k:" + sorted.ToJsonString(Compact);
    }

    /// <summary>Re-spells an element read from a client's FieldsV1 canonically; null when it is no element.</summary>
    public static string? Canonicalize(string element)
    {
        if (element.Length < 2 || element[1] != ':')
        {
            return null;
        }

        var body = element[2..];
        try
        {
            switch (element[0])
            {
                case 'f':
                    return element;
                case 'i':
                    return int.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? Index(i) : null;
                case 'v':
                    return Value(JsonNode.Parse(body));
                case 'k':
                    return JsonNode.Parse(body) is JsonObject keys ? Key(keys.ToList()) : null;
                default:
                    return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Upstream's fieldpath.Path.String(): ".spec.containers[name="nginx"].image".</summary>
    public static string Display(IEnumerable<string> path)
    {
        var text = new StringBuilder();
        foreach (var element in path)
        {
            var body = element[2..];
            switch (element[0])
            {
                case 'f':
                    text.Append('.').Append(body);
                    break;
                case 'i':
                    text.Append('[').Append(body).Append(']');
                    break;
                case 'v':
                    text.Append("[=").Append(DisplayValue(JsonNode.Parse(body))).Append(']');
                    break;
                case 'k':
                    var keys = (JsonObject)JsonNode.Parse(body)!;
                    text.Append('[').Append(string.Join(",", keys.Select(k => k.Key + "=" + DisplayValue(k.Value)))).Append(']');
                    break;
            }
        }

        return text.ToString();
    }

    private static string DisplayValue(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>(), Compact),
        null => "null",
        _ => Canonical(value),
    };

    private static string Canonical(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : JsonNode.Parse(Canonical(p.Value))))).ToJsonString(Compact),
        _ => value.ToJsonString(Compact),
    };
}
