using System.Text.Json.Nodes;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// Merges extension servers' /openapi/v2 documents into the server's own, as kube-aggregator
/// does: the server's paths win over a backend's (a conflicting path is ignored), a definition a
/// backend shares with identical content is kept once, and a definition of the same name but
/// different content is renamed NAME_v2, NAME_v3, ... (or shares the NAME_vN an earlier backend
/// gave the same content) with every $ref of that backend rewritten to the new name. Shared parameters are added when absent.
/// </summary>
public static class OpenApiMerge
{
    private const string DefinitionRef = "#/definitions/";

    /// <summary>Adds each of <paramref name="backends"/> (in order) to <paramref name="document"/>, in place.</summary>
    public static void MergeV2(JsonObject document, IEnumerable<JsonObject> backends)
    {
        var paths = Section(document, "paths");
        var definitions = Section(document, "definitions");
        foreach (var backend in backends)
        {
            var theirs = backend["definitions"] as JsonObject ?? [];
            var renames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, schema) in theirs)
            {
                if (definitions[name] is { } ours && !JsonNode.DeepEquals(ours, schema))
                {
                    // The first free NAME_vN, or one an earlier backend filled with the same content.
                    var suffix = 2;
                    while (theirs.ContainsKey($"{name}_v{suffix}")
                        || definitions[$"{name}_v{suffix}"] is { } taken && !JsonNode.DeepEquals(taken, schema))
                    {
                        suffix++;
                    }

                    renames[name] = $"{name}_v{suffix}";
                }
            }

            foreach (var (name, schema) in theirs)
            {
                var target = renames.GetValueOrDefault(name, name);
                if (!definitions.ContainsKey(target))
                {
                    definitions[target] = Renamed(schema, renames);
                }
            }

            foreach (var (path, item) in backend["paths"] as JsonObject ?? [])
            {
                if (!paths.ContainsKey(path))
                {
                    paths[path] = Renamed(item, renames);
                }
            }

            if (backend["parameters"] is JsonObject parameters)
            {
                var ours = Section(document, "parameters");
                foreach (var (name, parameter) in parameters)
                {
                    if (!ours.ContainsKey(name))
                    {
                        ours[name] = Renamed(parameter, renames);
                    }
                }
            }
        }
    }

    private static JsonObject Section(JsonObject document, string name)
    {
        if (document[name] is not JsonObject section)
        {
            section = [];
            document[name] = section;
        }

        return section;
    }

    // A copy of a backend's node with its $refs to renamed definitions pointing at the new names.
    private static JsonNode? Renamed(JsonNode? node, Dictionary<string, string> renames)
    {
        var copy = node?.DeepClone();
        if (renames.Count > 0)
        {
            Rewrite(copy, renames);
        }

        return copy;
    }

    private static void Rewrite(JsonNode? node, Dictionary<string, string> renames)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue value && value.TryGetValue<string>(out var reference)
                    && reference.StartsWith(DefinitionRef, StringComparison.Ordinal)
                    && renames.TryGetValue(reference[DefinitionRef.Length..], out var renamed))
                {
                    obj["$ref"] = DefinitionRef + renamed;
                }

                foreach (var (_, child) in obj)
                {
                    Rewrite(child, renames);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Rewrite(child, renames);
                }

                break;
        }
    }
}
