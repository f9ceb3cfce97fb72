using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Timonel.Api.Selectors.JsonFieldReader;

namespace Timonel.Registry.Selectors;

/// <summary>
/// The field selector labels of one custom resource version, as upstream's CR converter and
/// strategy define them: metadata.name, metadata.namespace (namespaced kinds only) and each of
/// the version's selectableFields (".spec.color" is selected as "spec.color"). A field absent
/// from an object reads as "" whatever its type; strings, booleans and integers read as their
/// text. Any other label is 400 "field label not supported: X".
/// </summary>
internal static class CustomResourceFields
{
    public static SelectableFields For(bool namespaced, IEnumerable<string> jsonPaths)
    {
        var readers = new List<KeyValuePair<string, Func<JsonObject, string>>> { new("metadata.name", o => Text(o, "metadata", "name")) };
        if (namespaced)
        {
            readers.Add(new("metadata.namespace", o => Text(o, "metadata", "namespace")));
        }

        foreach (var jsonPath in jsonPaths.Distinct(StringComparer.Ordinal))
        {
            var segments = jsonPath.TrimStart('.').Split('.');
            var label = string.Join('.', segments);
            if (readers.All(r => r.Key != label))
            {
                readers.Add(new(label, o => Read(o, segments)));
            }
        }

        return new SelectableFields(readers, field => $"field label not supported: {field}");
    }

    private static string Read(JsonObject obj, string[] path) => Find(obj, path) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<long>(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => "",
    };
}
