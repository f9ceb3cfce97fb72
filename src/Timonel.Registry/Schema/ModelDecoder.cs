using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using Timonel.Api.Errors;

namespace Timonel.Registry.Schema;

/// <summary>
/// Checks that a wire object decodes as its model type (wrong JSON types are a 400, as
/// upstream's decoder reports them) and finds the fields the model does not know, for
/// fieldValidation=Strict/Warn.
/// </summary>
public static partial class ModelDecoder
{
    private static readonly MethodInfo DeserializeNode = typeof(KubernetesJson).GetMethods()
        .Single(m => m.Name == nameof(KubernetesJson.Deserialize) && m.GetParameters()[0].ParameterType == typeof(JsonNode));

    private static readonly ConcurrentDictionary<Type, Func<JsonNode, object?>> Decoders = new();

    /// <summary>
    /// Throws a 400 ApiException naming the kind when the object does not decode, worded as
    /// upstream's decoder words it (<see cref="GoDecodeError"/>).
    /// </summary>
    public static void EnsureDecodes(JsonObject obj, Type modelType, string kind, string version)
    {
        var decode = Decoders.GetOrAdd(modelType, t =>
        {
            var method = DeserializeNode.MakeGenericMethod(t);
            return node => method.Invoke(null, [node, null]);
        });
        try
        {
            decode(obj);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner and not OutOfMemoryException)
        {
            // Any failure of the model's converters is the body's fault (IntOrString's throws
            // NotSupportedException for an array); the client is told which field, never which
            // .NET type or converter.
            var detail = GoDecodeError.Find(obj, modelType) ?? Fallback(inner);
            throw ApiException.BadRequest($"{kind} in version \"{version}\" cannot be handled as a {kind}: {detail}");
        }
    }

    /// <summary>Paths of fields the model type does not define, e.g. "spec.replica".</summary>
    public static IReadOnlyList<string> UnknownFields(JsonObject obj, Type modelType)
    {
        var found = new List<string>();
        Walk(obj, modelType, "", found);
        return found;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<string> found)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var shape = ModelShape.Of(type);
        if (shape.IsObject)
        {
            if (node is not JsonObject obj)
            {
                return;
            }

            foreach (var (key, value) in obj)
            {
                var child = path.Length == 0 ? key : $"{path}.{key}";
                if (shape.Properties.TryGetValue(key, out var propType))
                {
                    Walk(value, propType, child, found);
                }
                else
                {
                    found.Add(child);
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
            foreach (var (key, value) in map)
            {
                Walk(value, element, $"{path}.{key}", found);
            }
        }
        else if (!isMap && node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Walk(array[i], element, $"{path}[{i}]", found);
            }
        }
    }

    /// <summary>For a failure the walk cannot place: the JSON path System.Text.Json reported, if any.</summary>
    private static string Fallback(Exception e)
    {
        if (e is JsonException or InvalidOperationException && e.Message.Contains("depth of 64", StringComparison.Ordinal))
        {
            // KubernetesClient's models (which this server's own clients decode with) stop at 64
            // levels; from a JsonNode the limit trips in the writer, elsewhere in the reader.
            return "exceeded max depth of 64";
        }

        var path = e is JsonException { Path: { } p } ? p : JsonPath().Match(e.Message) is { Success: true } m ? m.Groups[1].Value : null;
        path = path?.TrimStart('$', '.');
        return string.IsNullOrEmpty(path) ? "the object does not match its schema" : $"the value at {path} does not match its schema";
    }

    [GeneratedRegex(@"Path: (\$[^ |]*)")]
    private static partial Regex JsonPath();
}
