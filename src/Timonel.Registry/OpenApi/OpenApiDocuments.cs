using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Timonel.Api.Serialization;
using Timonel.Registry.Resources;

namespace Timonel.Registry.OpenApi;

/// <summary>
/// The OpenAPI documents the server publishes, built from the catalog's model types:
/// /openapi/v2 (JSON and gnostic protobuf), the /openapi/v3 index and one v3 document per
/// group-version. Each set is built on first use and again on the first use after the catalog
/// changed (a definition added or removed). Extension API servers' documents handed to
/// <see cref="SetAggregated"/> are merged in as kube-aggregator merges them.
/// </summary>
public sealed class OpenApiDocuments
{
    /// <summary>What client-go asks /openapi/v2 for (kubectl 1.27 apply and explain need it).</summary>
    public const string V2ProtobufContentType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>The Content-Type the protobuf answer carries: Go's mime parser rejects the '@' of the requested type.</summary>
    public const string V2ProtobufResponseContentType = "application/octet-stream";

    // The older spelling kube-openapi also accepts.
    private const string V2ProtobufLegacyContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>The Kubernetes version the documents claim.</summary>
    public const string KubernetesVersion = "v1.33.0";

    private readonly ResourceCatalog _catalog;
    private readonly Func<Type, string, PatchStrategy?> _patchStrategy;
    private readonly Lazy<ModelDescriptions> _descriptions;
    private Built _built;
    private IReadOnlyList<AggregatedSpec> _aggregated = [];
    private Merged? _merged;

    public OpenApiDocuments(ResourceCatalog catalog)
        : this(catalog, PatchMetadata.For, ModelDescriptions.LoadEmbedded)
    {
    }

    /// <summary>
    /// Nothing is built here: v2 and v3 are each built on first use (a few hundred milliseconds,
    /// mostly reflection), so server start-up does not wait for them. Call <see cref="Warm"/> from a
    /// background task to build them ahead of the first request.
    /// </summary>
    internal OpenApiDocuments(ResourceCatalog catalog, Func<Type, string, PatchStrategy?> patchStrategy, Func<ModelDescriptions> descriptions)
    {
        _catalog = catalog;
        _patchStrategy = patchStrategy;
        _descriptions = new Lazy<ModelDescriptions>(descriptions);
        _built = new Built(this);
    }

    /// <summary>/openapi/v2 as JSON (Accept: application/json).</summary>
    public byte[] V2Json => CurrentMerged.V2.Value.Json;

    /// <summary>/openapi/v2 as gnostic protobuf (Accept: <see cref="V2ProtobufContentType"/>).</summary>
    public byte[] V2Protobuf => CurrentMerged.V2.Value.Protobuf;

    /// <summary>/openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}.</summary>
    public byte[] V3IndexJson => CurrentMerged.V3.Value.Index;

    /// <summary>/openapi/v3 documents keyed by path ("api/v1", "apis/apps/v1").</summary>
    public IReadOnlyDictionary<string, byte[]> V3 => CurrentMerged.V3.Value.Documents;

    /// <summary>The hash of a v3 document (upper-case hex SHA-512 of its bytes), or null for an unknown path.</summary>
    public string? V3Hash(string path) => CurrentMerged.V3.Value.Hashes.GetValueOrDefault(path);

    /// <summary>
    /// Replaces the extension API servers' documents merged into the published ones (by the
    /// aggregator, when one changed): v2 paths and definitions are merged (<see cref="OpenApiMerge"/>),
    /// each v3 document is served at its group/version's path, replacing a local one there (a
    /// remote APIService wins over the local one, as in discovery).
    /// </summary>
    public void SetAggregated(IReadOnlyList<AggregatedSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        Volatile.Write(ref _aggregated, specs.OrderBy(s => s.ApiService, StringComparer.Ordinal).ToList());
    }

    /// <summary>Builds every document now (for a background task at start-up).</summary>
    public void Warm()
    {
        var built = CurrentMerged;
        _ = built.V3.Value;
        _ = built.V2.Value;
    }

    /// <summary>
    /// Picks the /openapi/v2 encoding for an Accept header: protobuf (sent as application/octet-stream,
    /// as upstream does) when asked for, JSON for
    /// JSON, */* or no header; null when nothing acceptable is offered (answer 406).
    /// </summary>
    public (string ContentType, byte[] Body)? V2For(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return ("application/json", V2Json);
        }

        foreach (var clause in accept.Split(','))
        {
            var mediaType = clause.Split(';')[0].Trim();
            if (mediaType.Equals(V2ProtobufContentType, StringComparison.OrdinalIgnoreCase) || mediaType.Equals(V2ProtobufLegacyContentType, StringComparison.OrdinalIgnoreCase))
            {
                return (V2ProtobufResponseContentType, V2Protobuf);
            }

            if (mediaType is "application/json" or "*/*" or "application/*")
            {
                return ("application/json", V2Json);
            }
        }

        return null;
    }

    private static (byte[] Json, byte[] Protobuf) BuildV2(ResourceCatalog catalog, SchemaGenerator generator)
    {
        var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var r in catalog.Stored)
        {
            foreach (var path in PathsOf(r, generator, out _))
            {
                paths[path.Path] = OperationWriter.V2(path);
            }
        }

        var document = V2Document(paths, generator);
        return (JsonSerializer.SerializeToUtf8Bytes(document, GoJsonEncoder.SerializerOptions), GnosticEncoder.Encode(document));
    }

    private static V3Set BuildV3(ResourceCatalog catalog, SchemaGenerator generator)
    {
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var gv in catalog.GroupVersions)
        {
            var paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            var roots = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in catalog.Stored.Where(r => r.Group == gv.Group && r.Version == gv.Version))
            {
                foreach (var path in PathsOf(r, generator, out var used))
                {
                    paths[path.Path] = OperationWriter.V3(path);
                    roots.UnionWith(used);
                }
            }

            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            documents[key] = V3Document(paths, generator, generator.Closure(roots));
        }

        return V3Index(documents);
    }

    // The /openapi/v3 index of a set of documents: each path with the hash of its bytes.
    private static V3Set V3Index(Dictionary<string, byte[]> documents)
    {
        var hashes = documents.ToDictionary(kv => kv.Key, kv => Convert.ToHexString(SHA512.HashData(kv.Value)), StringComparer.Ordinal);
        var index = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["paths"] = new JsonObject(hashes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
            {
                ["serverRelativeURL"] = $"/openapi/v3/{kv.Key}?hash={kv.Value}",
            }))),
        });
        return new V3Set(documents, hashes, index);
    }

    private static IEnumerable<PathSpec> PathsOf(ApiResource r, SchemaGenerator generator, out HashSet<string> used)
    {
        var set = new HashSet<string>(StringComparer.Ordinal)
        {
            generator.Add(typeof(V1Status)),
            generator.Add(typeof(V1DeleteOptions)),
            SchemaGenerator.PatchName,
        };
        string kind, list;
        if (r.Definition.Custom is { } custom)
        {
            (kind, list) = generator.AddCustom(r, custom.Schemas.GetValueOrDefault(r.Version));
        }
        else
        {
            kind = generator.Add(r.ModelType);
            list = ModelNames.ListTypeOf(r.ModelType) is { } listType
                ? generator.Add(listType)
                : kind;
        }

        set.Add(kind);
        set.Add(list);
        used = set;
        return ResourceOperations.For(r, kind, list, t =>
        {
            // A custom resource's /status is its own kind.
            var name = t == typeof(CustomResources.CustomResourceObject) ? kind : generator.Add(t);
            set.Add(name);
            return name;
        }).ToList();
    }

    private static JsonObject V2Document(SortedDictionary<string, JsonObject> paths, SchemaGenerator generator) => new()
    {
        ["swagger"] = "2.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubernetesVersion },
        ["paths"] = new JsonObject(paths.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        ["definitions"] = new JsonObject(generator.Definitions
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value.DeepClone()))),
        ["securityDefinitions"] = new JsonObject
        {
            ["BearerToken"] = new JsonObject { ["description"] = "Bearer Token authentication", ["in"] = "header", ["name"] = "authorization", ["type"] = "apiKey" },
        },
        ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
    };

    private static byte[] V3Document(SortedDictionary<string, JsonObject> paths, SchemaGenerator generator, SortedSet<string> schemas)
    {
        var document = new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = new JsonObject(paths.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject(schemas.Select(n => KeyValuePair.Create(n, (JsonNode?)generator.Definitions[n].DeepClone()))),
                ["securitySchemes"] = new JsonObject
                {
                    ["BearerToken"] = new JsonObject { ["type"] = "apiKey", ["description"] = "Bearer Token authentication", ["name"] = "authorization", ["in"] = "header" },
                },
            },
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, GoJsonEncoder.SerializerOptions);
    }

    /// <summary>The documents of one catalog revision, each built lazily.</summary>
    private Built Current
    {
        get
        {
            var built = Volatile.Read(ref _built);
            if (built.Revision == _catalog.Revision)
            {
                return built;
            }

            // Racing readers may each start a set; the documents are equal and one wins.
            var fresh = new Built(this);
            Volatile.Write(ref _built, fresh);
            return fresh;
        }
    }

    private sealed class Built
    {
        public Built(OpenApiDocuments owner)
        {
            Revision = owner._catalog.Revision;
            var catalog = owner._catalog;
            var names = new Lazy<ModelNames>(() => new ModelNames(catalog));
            V2 = new Lazy<(byte[], byte[])>(() => BuildV2(catalog, new SchemaGenerator(names.Value, owner._descriptions.Value, owner._patchStrategy, SchemaDialect.V2)));
            V3 = new Lazy<V3Set>(() => BuildV3(catalog, new SchemaGenerator(names.Value, owner._descriptions.Value, owner._patchStrategy, SchemaDialect.V3)));
        }

        public long Revision { get; }

        public Lazy<(byte[] Json, byte[] Protobuf)> V2 { get; }

        public Lazy<V3Set> V3 { get; }
    }

    private sealed record V3Set(Dictionary<string, byte[]> Documents, Dictionary<string, string> Hashes, byte[] Index);

    /// <summary>The local documents of the current catalog with the current aggregated ones merged in.</summary>
    private Merged CurrentMerged
    {
        get
        {
            var local = Current;
            var aggregated = Volatile.Read(ref _aggregated);
            var merged = Volatile.Read(ref _merged);
            if (merged is not null && ReferenceEquals(merged.Local, local) && ReferenceEquals(merged.Aggregated, aggregated))
            {
                return merged;
            }

            merged = new Merged(local, aggregated);
            Volatile.Write(ref _merged, merged);
            return merged;
        }
    }

    private sealed class Merged
    {
        public Merged(Built local, IReadOnlyList<AggregatedSpec> aggregated)
        {
            Local = local;
            Aggregated = aggregated;
            var v2 = aggregated.Where(a => a.V2 is not null).Select(a => a.V2!).ToList();
            V2 = v2.Count == 0 ? local.V2 : new Lazy<(byte[], byte[])>(() => MergeV2(local.V2.Value.Json, v2));
            var v3 = aggregated.Where(a => a.V3 is not null).ToList();
            V3 = v3.Count == 0 ? local.V3 : new Lazy<V3Set>(() => MergeV3(local.V3.Value, v3));
        }

        public Built Local { get; }

        public IReadOnlyList<AggregatedSpec> Aggregated { get; }

        public Lazy<(byte[] Json, byte[] Protobuf)> V2 { get; }

        public Lazy<V3Set> V3 { get; }

        private static (byte[] Json, byte[] Protobuf) MergeV2(byte[] localJson, IReadOnlyList<byte[]> backends)
        {
            var document = JsonNode.Parse(localJson)!.AsObject();
            OpenApiMerge.MergeV2(document, backends.Select(b => JsonNode.Parse(b)).OfType<JsonObject>());
            return (JsonSerializer.SerializeToUtf8Bytes(document, GoJsonEncoder.SerializerOptions), GnosticEncoder.Encode(document));
        }

        private static V3Set MergeV3(V3Set local, IReadOnlyList<AggregatedSpec> backends)
        {
            var documents = new Dictionary<string, byte[]>(local.Documents, StringComparer.Ordinal);
            foreach (var backend in backends)
            {
                documents[backend.V3Path] = backend.V3!;
            }

            return V3Index(documents);
        }
    }
}
