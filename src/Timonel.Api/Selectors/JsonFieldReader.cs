using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Api.Selectors;

/// <summary>
/// Reads one field of an object's wire JSON as a selectable-field string, with Go's zero values
/// for what is missing: "" for strings, "0" for numbers, "false" for booleans.
/// </summary>
public static class JsonFieldReader
{
    public static string Text(JsonObject obj, params string[] path) =>
        Find(obj, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";

    public static string Integer(JsonObject obj, params string[] path) =>
        Find(obj, path) is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : "0";

    public static string Boolean(JsonObject obj, params string[] path) =>
        Find(obj, path) is JsonValue v && v.GetValueKind() == JsonValueKind.True ? "true" : "false";

    /// <summary>The first non-empty of several string fields, else "".</summary>
    public static string FirstText(JsonObject obj, params string[][] paths)
    {
        foreach (var path in paths)
        {
            var text = Text(obj, path);
            if (text.Length > 0)
            {
                return text;
            }
        }

        return "";
    }

    public static JsonNode? Find(JsonObject obj, string[] path)
    {
        JsonNode? node = obj;
        foreach (var part in path)
        {
            if (node is not JsonObject o)
            {
                return null;
            }

            node = o[part];
        }

        return node;
    }
}
