using System.Text.Json.Nodes;
using Timonel.Api.Schema;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Drops the fields a model type does not define, as upstream's decoder does when it turns the
/// request body into the typed object: with fieldValidation Warn or Ignore an unknown field is
/// reported (or not) and then never stored.
/// </summary>
internal static class UnknownFieldPruner
{
    /// <summary>Removes unknown fields from <paramref name="obj"/> in place; returns their paths ("spec.replica").</summary>
    public static IReadOnlyList<string> Prune(JsonObject obj, Type modelType)
    {
        var removed = new List<string>();
        Walk(obj, modelType, "", removed);
        return removed;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<string> removed)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var shape = ModelShape.Of(type);
        if (shape.IsObject)
        {
            if (node is not JsonObject obj)
            {
                return;
            }

            foreach (var key in obj.Select(p => p.Key).ToList())
            {
                var child = path.Length == 0 ? key : $"{path}.{key}";
                if (shape.Properties.TryGetValue(key, out var propType))
                {
                    Walk(obj[key], propType, child, removed);
                }
                else
                {
                    obj.Remove(key);
                    removed.Add(child);
                }
            }

            return;
        }

        var (element, isMap) = ModelShape.Container(type);
        if (element is null)
        {
            return;
        }

        if (isMap && node is JsonObject map)
        {
            foreach (var (key, value) in map.ToList())
            {
                Walk(value, element, $"{path}.{key}", removed);
            }
        }
        else if (!isMap && node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Walk(array[i], element, $"{path}[{i}]", removed);
            }
        }
    }
}
