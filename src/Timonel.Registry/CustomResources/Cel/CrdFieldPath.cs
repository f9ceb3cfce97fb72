using System.Text.Json.Nodes;

namespace Timonel.Registry.CustomResources.Cel;

/// <summary>
/// A rule's fieldPath (`.spec.replicas`, `.labels['app.kubernetes.io/name']`), resolved against the
/// rule's schema node as upstream's ValidFieldPath: properties by name, map values by key; list
/// items cannot be named. The segments are appended to the node's field path in errors.
/// </summary>
internal static class CrdFieldPath
{
    public static IReadOnlyList<string>? Resolve(string path, JsonObject schema) => Resolve(path, schema, out _);

    /// <summary>As <see cref="Resolve(string, JsonObject)"/>, also giving the schema of the field the path names.</summary>
    public static IReadOnlyList<string>? Resolve(string path, JsonObject schema, out JsonObject? leaf)
    {
        leaf = null;
        var segments = new List<string>();
        var node = schema;
        var i = 0;
        while (i < path.Length)
        {
            string name;
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] != '.' && path[end] != '[')
                {
                    end++;
                }

                name = path[(i + 1)..end];
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }

                name = path[(i + 2)..end];
                i = end + 2;
            }
            else
            {
                return null;
            }

            if (name.Length == 0)
            {
                return null;
            }

            if (node["properties"]?[name] is JsonObject prop)
            {
                segments.Add(name);
                node = prop;
            }
            else if (node["additionalProperties"] is JsonObject values)
            {
                segments.Add("[" + name + "]");
                node = values;
            }
            else
            {
                return null;
            }
        }

        leaf = node;
        return segments.Count == 0 ? null : segments;
    }
}
