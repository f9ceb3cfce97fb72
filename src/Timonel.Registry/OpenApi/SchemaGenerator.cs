using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using Timonel.Api.Patch;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// Builds OpenAPI schemas for KubernetesClient model types by reflection: properties by their
/// [JsonPropertyName], nested models as references, strategic-merge metadata from the patch table.
/// </summary>
internal sealed class SchemaGenerator
{
    public const string QuantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    public const string IntOrStringName = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    public const string PatchName = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

    private readonly ModelNames _names;
    private readonly ModelDescriptions _descriptions;
    private readonly Func<Type, string, PatchStrategy?> _patchStrategy;
    private readonly SchemaDialect _dialect;
    private readonly Dictionary<string, JsonObject> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _references = new(StringComparer.Ordinal);

    public SchemaGenerator(ModelNames names, ModelDescriptions descriptions, Func<Type, string, PatchStrategy?> patchStrategy, SchemaDialect dialect)
    {
        _names = names;
        _descriptions = descriptions;
        _patchStrategy = patchStrategy;
        _dialect = dialect;
        AddScalarDefinitions();
    }

    /// <summary>Every definition built so far, by name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Definitions => _definitions;

    /// <summary>Adds the schema of a model type (and of every model it reaches); returns its name.</summary>
    public string Add(Type modelType, IReadOnlyList<(string Group, string Version, string Kind)>? groupVersionKinds = null)
    {
        var name = _names.NameOf(modelType);
        if (_definitions.ContainsKey(name))
        {
            return name;
        }

        var refs = new HashSet<string>(StringComparer.Ordinal);
        var schema = new JsonObject();
        _definitions[name] = schema;
        _references[name] = refs;

        if (_descriptions.OfType(modelType) is { } description)
        {
            schema["description"] = description;
        }

        var properties = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var p in modelType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetCustomAttribute<JsonPropertyNameAttribute>() is not { } json || p.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var propertySchema = PropertySchema(p.PropertyType, _descriptions.OfProperty(modelType, p.Name), refs);
            if (_patchStrategy(modelType, json.Name) is { } strategy)
            {
                if (strategy.MergeKey is not null)
                {
                    propertySchema["x-kubernetes-patch-merge-key"] = strategy.MergeKey;
                }

                propertySchema["x-kubernetes-patch-strategy"] = strategy.Strategy;
            }

            properties[json.Name] = propertySchema;
        }

        schema["properties"] = new JsonObject(properties.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        schema["type"] = "object";

        var gvks = groupVersionKinds ?? EntityGroupVersionKinds(modelType);
        if (gvks.Count > 0)
        {
            schema["x-kubernetes-group-version-kind"] = new JsonArray(gvks
                .Select(g => (JsonNode)new JsonObject { ["group"] = g.Group, ["kind"] = g.Kind, ["version"] = g.Version })
                .ToArray());
        }

        return name;
    }

    /// <summary>
    /// Adds a custom resource version's kind and list, named as upstream names them
    /// ("io.cert-manager.v1.Certificate"): the CRD's openAPIV3Schema with apiVersion, kind and a
    /// reference to ObjectMeta, and the list around it. Returns both names.
    /// </summary>
    public (string Kind, string List) AddCustom(Resources.ApiResource r, JsonObject? schema)
    {
        var name = $"{string.Join('.', r.Group.Split('.').Reverse())}.{r.Version}.{r.Kind}";
        var listName = name + "List";
        if (_definitions.ContainsKey(name))
        {
            return (name, listName);
        }

        var meta = Add(typeof(k8s.Models.V1ObjectMeta));
        var listMeta = Add(typeof(k8s.Models.V1ListMeta));
        var body = schema?.DeepClone() as JsonObject ?? new JsonObject { ["type"] = "object" };
        if (body["properties"] is not JsonObject properties)
        {
            properties = [];
            body["properties"] = properties;
        }

        properties["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = ApiVersionDescription };
        properties["kind"] = new JsonObject { ["type"] = "string", ["description"] = KindDescription };
        properties["metadata"] = Reference(meta, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
        body["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = r.Group, ["kind"] = r.Kind, ["version"] = r.Version });
        _definitions[name] = body;
        _references[name] = [meta];

        _definitions[listName] = new JsonObject
        {
            ["description"] = $"{r.Kind}List is a list of {r.Kind}",
            ["required"] = new JsonArray("items"),
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string", ["description"] = ApiVersionDescription },
                ["items"] = new JsonObject
                {
                    ["type"] = "array",
                    ["description"] = $"List of {r.Plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                    ["items"] = new JsonObject { ["$ref"] = _dialect.Ref(name) },
                },
                ["kind"] = new JsonObject { ["type"] = "string", ["description"] = KindDescription },
                ["metadata"] = Reference(listMeta, "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"),
            },
            ["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject { ["group"] = r.Group, ["kind"] = r.ListKind, ["version"] = r.Version }),
        };
        _references[listName] = [name, listMeta];
        return (name, listName);
    }

    private const string ApiVersionDescription = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";

    private const string KindDescription = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    private JsonObject Reference(string name, string description) => _dialect.WrapDescribedRefs
        ? new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = _dialect.Ref(name) }), ["description"] = description }
        : new JsonObject { ["$ref"] = _dialect.Ref(name), ["description"] = description };

    /// <summary>The names a definition refers to directly.</summary>
    public IEnumerable<string> ReferencesOf(string name) =>
        _references.TryGetValue(name, out var refs) ? refs : [];

    /// <summary>The named definitions and every definition they reach, sorted.</summary>
    public SortedSet<string> Closure(IEnumerable<string> roots)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(roots);
        while (pending.Count > 0)
        {
            var n = pending.Pop();
            if (seen.Add(n))
            {
                foreach (var r in ReferencesOf(n))
                {
                    pending.Push(r);
                }
            }
        }

        return seen;
    }

    private static IReadOnlyList<(string, string, string)> EntityGroupVersionKinds(Type t) =>
        t.GetCustomAttribute<KubernetesEntityAttribute>() is { Kind: { Length: > 0 } kind } e
            ? [(e.Group ?? "", e.ApiVersion ?? "v1", kind)]
            : [];

    private JsonObject PropertySchema(Type t, string? description, HashSet<string> refs)
    {
        var schema = TypeSchema(t, refs);
        if (description is null)
        {
            return schema;
        }

        if (schema.ContainsKey("$ref") && _dialect.WrapDescribedRefs)
        {
            var reference = schema["$ref"]!.GetValue<string>();
            schema = new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = reference }) };
        }

        schema["description"] = description;
        return schema;
    }

    private JsonObject TypeSchema(Type t, HashSet<string> refs)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (t == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (t == typeof(int) || t == typeof(short) || t == typeof(byte))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        }

        if (t == typeof(long) || t == typeof(uint) || t == typeof(ulong))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        }

        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (t == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (t == typeof(ResourceQuantity))
        {
            return Reference(QuantityName, refs);
        }

        if (t.Name.Contains("IntOrString", StringComparison.Ordinal))
        {
            return Reference(IntOrStringName, refs);
        }

        if (DictionaryValueType(t) is { } valueType)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(valueType, refs) };
        }

        if (ListElementType(t) is { } elementType)
        {
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(elementType, refs) };
        }

        if (ModelNames.IsModel(t))
        {
            return Reference(Add(t), refs);
        }

        // object-typed fields (FieldsV1, RawExtension, JSON) are free-form objects.
        return new JsonObject { ["type"] = "object" };
    }

    private JsonObject Reference(string name, HashSet<string> refs)
    {
        refs.Add(name);
        return new JsonObject { ["$ref"] = _dialect.Ref(name) };
    }

    private static Type? DictionaryValueType(Type t)
    {
        var dictionary = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ListElementType(Type t)
    {
        if (t.IsArray)
        {
            return t.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(t) || t == typeof(string))
        {
            return null;
        }

        var enumerable = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private void AddScalarDefinitions()
    {
        _references[QuantityName] = [];
        _references[IntOrStringName] = [];
        _references[PatchName] = [];
        var quantity = new JsonObject
        {
            ["description"] = "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors. Serialized as a string such as \"100m\", \"1.5Gi\" or \"2\".",
        };
        var intOrString = new JsonObject
        {
            ["description"] = "IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.",
            ["format"] = "int-or-string",
        };
        if (_dialect.OneOfForIntOrString)
        {
            quantity["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" });
            intOrString["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
        }
        else
        {
            quantity["type"] = "string";
            intOrString["type"] = "string";
        }

        quantity["x-kubernetes-int-or-string"] = true;
        intOrString["x-kubernetes-int-or-string"] = true;
        _definitions[QuantityName] = quantity;
        _definitions[IntOrStringName] = intOrString;
        _definitions[PatchName] = new JsonObject
        {
            ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
            ["type"] = "object",
        };
    }
}
