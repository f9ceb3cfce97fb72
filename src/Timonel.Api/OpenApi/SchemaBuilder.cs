using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;
using Timonel.Api.Patch;
using Timonel.Api.Resources;
using Timonel.Api.Schema;

namespace Timonel.Api.OpenApi;

/// <summary>
/// JSON schemas of the KubernetesClient models under upstream's definition names
/// (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta, ...), with
/// descriptions, x-kubernetes-group-version-kind on kinds, and strategic-merge extensions.
/// </summary>
public sealed partial class SchemaBuilder
{
    private static readonly HashSet<string> MetaTypes =
    [
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
        "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "Condition", "Time", "MicroTime", "FieldsV1",
    ];

    private readonly ModelDescriptions _descriptions;
    private readonly Dictionary<Type, string> _names = [];
    private readonly Dictionary<Type, (string Group, string Version, string Kind)> _kinds = [];

    public SchemaBuilder(ResourceCatalog catalog, ModelDescriptions descriptions)
    {
        _descriptions = descriptions;
        foreach (var r in catalog.All)
        {
            _kinds[r.ModelType] = (r.Group, r.Version, r.Kind);
        }

        _kinds[typeof(V1Scale)] = ("autoscaling", "v1", "Scale");
        _kinds[typeof(V1Status)] = ("", "v1", "Status");
        _kinds[typeof(V1DeleteOptions)] = ("", "v1", "DeleteOptions");
        _kinds[typeof(V1Binding)] = ("", "v1", "Binding");
        _kinds[typeof(V1Eviction)] = ("policy", "v1", "Eviction");
    }

    /// <summary>All schemas reachable from <paramref name="roots"/>, keyed by definition name; refs use <paramref name="refPrefix"/>.</summary>
    public SortedDictionary<string, JsonObject> Build(IEnumerable<(Type Type, string Group, string Version)> roots, string refPrefix)
    {
        var result = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var queue = new Queue<(Type, string, string)>(roots);
        var seen = new HashSet<Type>();
        while (queue.Count > 0)
        {
            var (type, group, version) = queue.Dequeue();
            if (!seen.Add(type))
            {
                continue;
            }

            var name = NameOf(type, group, version);
            var schema = new JsonObject();
            if (_descriptions.ForType(type) is { } d)
            {
                schema["description"] = d;
            }

            schema["type"] = "object";
            var props = new JsonObject();
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, StringComparer.Ordinal))
            {
                if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is not { } attr)
                {
                    continue;
                }

                var prop = PropertySchema(p.PropertyType, refPrefix, group, version, queue);
                if (_descriptions.ForProperty(p) is { } pd)
                {
                    prop["description"] = pd;
                }

                if (PatchMetadata.For(type, attr.Name) is { } patch)
                {
                    if (patch.MergeKey is not null)
                    {
                        prop["x-kubernetes-patch-merge-key"] = patch.MergeKey;
                    }

                    prop["x-kubernetes-patch-strategy"] = patch.Strategy;
                }

                props[attr.Name] = prop;
            }

            schema["properties"] = props;
            if (_kinds.TryGetValue(type, out var gvk))
            {
                schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = gvk.Group, ["version"] = gvk.Version, ["kind"] = gvk.Kind });
            }

            result[name] = schema;
        }

        return result;
    }

    /// <summary>Upstream's definition name for a model type.</summary>
    public string NameOf(Type type, string group, string version)
    {
        if (_names.TryGetValue(type, out var known))
        {
            return known;
        }

        var shortName = ShortName(type.Name);
        string name;
        if (MetaTypes.Contains(shortName))
        {
            name = $"io.k8s.apimachinery.pkg.apis.meta.v1.{shortName}";
        }
        else
        {
            if (_kinds.TryGetValue(type, out var gvk))
            {
                group = gvk.Group;
                version = gvk.Version;
            }

            var package = group.Length == 0 ? "core" : group.Split('.')[0];
            var typeVersion = VersionPrefix().Match(type.Name) is { Success: true } m ? m.Groups["v"].Value.ToLowerInvariant() : version;
            name = $"io.k8s.api.{package}.{typeVersion}.{shortName}";
        }

        // Two model types must never share a name (e.g. the core and events.k8s.io Event).
        while (_names.ContainsValue(name))
        {
            name += "_" + type.Name;
        }

        _names[type] = name;
        return name;
    }

    private JsonObject PropertySchema(Type type, string refPrefix, string group, string version, Queue<(Type, string, string)> queue)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = type == typeof(int) ? "int32" : "int64" };
        }

        if (type == typeof(double) || type == typeof(float))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(IntOrString))
        {
            return new JsonObject { ["x-kubernetes-int-or-string"] = true, ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }) };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new JsonObject { ["x-kubernetes-int-or-string"] = true, ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }) };
        }

        var (element, isMap) = ModelShape.Container(type);
        if (element is not null)
        {
            var items = PropertySchema(element, refPrefix, group, version, queue);
            return isMap
                ? new JsonObject { ["type"] = "object", ["additionalProperties"] = items }
                : new JsonObject { ["type"] = "array", ["items"] = items };
        }

        if (ModelShape.Of(type).IsObject)
        {
            queue.Enqueue((type, group, version));
            // A $ref may not have siblings in OpenAPI 3.0: wrap it, as upstream does, so a description can sit beside it.
            return new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = refPrefix + NameOf(type, group, version) }) };
        }

        return new JsonObject { ["type"] = "object" };
    }

    private static string ShortName(string typeName)
    {
        var m = VersionPrefix().Match(typeName);
        return m.Success ? typeName[m.Length..] : typeName;
    }

    // V1, V1beta1, V2alpha1, and the group-qualified Corev1 / Eventsv1 / Storagev1 prefixes.
    [GeneratedRegex(@"^(?:[A-Z][a-z]+)?(?<v>[Vv]\d+(?:alpha\d+|beta\d+)?)(?=[A-Z])")]
    private static partial Regex VersionPrefix();
}
