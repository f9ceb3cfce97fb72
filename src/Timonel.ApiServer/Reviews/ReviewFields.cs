using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Reviews;

/// <summary>
/// Typed reads of a review's body: a field of the wrong JSON type is upstream's decode error
/// (400, "cannot be handled as a"), never a 500 and never silently read as absent.
/// </summary>
internal sealed class ReviewFields(string kind)
{
    public JsonObject? Obj(JsonNode? parent, string field, string path) => Get(parent, field) switch
    {
        null => null,
        JsonObject o => o,
        var other => throw Undecodable(path, other, "an object"),
    };

    public string Str(JsonNode? parent, string field, string path) => Get(parent, field) switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw Undecodable(path, other, "a string"),
    };

    public IReadOnlyList<string> Strings(JsonNode? parent, string field, string path) => Get(parent, field) switch
    {
        null => [],
        JsonArray a => [.. a.Select((item, i) => item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Undecodable($"{path}[{i}]", item, "a string"))],
        var other => throw Undecodable(path, other, "a list of strings"),
    };

    /// <summary>A map of string lists (spec.extra).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra(JsonNode? parent, string field, string path)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        switch (Get(parent, field))
        {
            case null:
                return map;
            case JsonObject o:
                foreach (var (key, _) in o)
                {
                    map[key] = Strings(o, key, $"{path}[{key}]");
                }

                return map;
            case var other:
                throw Undecodable(path, other, "a map of string lists");
        }
    }

    private static JsonNode? Get(JsonNode? parent, string field) =>
        parent is JsonObject o && o.TryGetPropertyValue(field, out var value) ? value : null;

    private ApiException Undecodable(string path, JsonNode? value, string expected) =>
        ApiException.BadRequest($"{kind} in version \"v1\" cannot be handled as a {kind}: {path} must be {expected}, not {value?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}");
}
