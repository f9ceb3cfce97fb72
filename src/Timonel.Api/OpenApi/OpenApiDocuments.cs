using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Timonel.Api.Resources;

namespace Timonel.Api.OpenApi;

/// <summary>
/// The OpenAPI documents the server publishes, built once from the catalog's model types:
/// /openapi/v2 (JSON and gnostic protobuf), the /openapi/v3 index and one v3 document per
/// group-version. All bytes are built in the constructor and never change.
/// </summary>
public sealed class OpenApiDocuments
{
    /// <summary>What client-go asks /openapi/v2 for (kubectl 1.27 apply and explain need it).</summary>
    public const string V2ProtobufContentType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    /// <summary>The Kubernetes version the documents claim.</summary>
    public const string KubernetesVersion = "v1.33.0";

    private readonly Dictionary<string, byte[]> _v3 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _v3Hashes = new(StringComparer.Ordinal);

    public OpenApiDocuments(ResourceCatalog catalog)
        : this(catalog, PatchMetadata.For, ModelDescriptions.LoadEmbedded())
    {
    }

    internal OpenApiDocuments(ResourceCatalog catalog, Func<Type, string, PatchStrategy?> patchStrategy, ModelDescriptions descriptions)
    {
        var names = new ModelNames(catalog);
        var v2 = new SchemaGenerator(names, descriptions, patchStrategy, SchemaDialect.V2);
        var v3 = new SchemaGenerator(names, descriptions, patchStrategy, SchemaDialect.V3);

        var v2Paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var gv in catalog.GroupVersions)
        {
            var v3Paths = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            var roots = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in catalog.All.Where(r => r.Group == gv.Group && r.Version == gv.Version))
            {
                foreach (var path in PathsOf(r, v2, out _))
                {
                    v2Paths[path.Path] = OperationWriter.V2(path);
                }

                foreach (var path in PathsOf(r, v3, out var used))
                {
                    v3Paths[path.Path] = OperationWriter.V3(path);
                    roots.UnionWith(used);
                }
            }

            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            var bytes = V3Document(v3Paths, v3, v3.Closure(roots));
            _v3[key] = bytes;
            _v3Hashes[key] = Convert.ToHexString(SHA512.HashData(bytes));
        }

        var v2Document = V2Document(v2Paths, v2);
        V2Json = JsonSerializer.SerializeToUtf8Bytes(v2Document);
        V2Protobuf = GnosticEncoder.Encode(v2Document);
        V3IndexJson = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["paths"] = new JsonObject(_v3Hashes.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject
            {
                ["serverRelativeURL"] = $"/openapi/v3/{kv.Key}?hash={kv.Value}",
            }))),
        });
    }

    /// <summary>/openapi/v2 as JSON (Accept: application/json).</summary>
    public byte[] V2Json { get; }

    /// <summary>/openapi/v2 as gnostic protobuf (Accept: <see cref="V2ProtobufContentType"/>).</summary>
    public byte[] V2Protobuf { get; }

    /// <summary>/openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}.</summary>
    public byte[] V3IndexJson { get; }

    /// <summary>/openapi/v3 documents keyed by path ("api/v1", "apis/apps/v1").</summary>
    public IReadOnlyDictionary<string, byte[]> V3 => _v3;

    /// <summary>The hash of a v3 document (upper-case hex SHA-512 of its bytes), or null for an unknown path.</summary>
    public string? V3Hash(string path) => _v3Hashes.GetValueOrDefault(path);

    /// <summary>
    /// Picks the /openapi/v2 encoding for an Accept header: protobuf when asked for, JSON for
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
            if (mediaType.Equals(V2ProtobufContentType, StringComparison.OrdinalIgnoreCase))
            {
                return (V2ProtobufContentType, V2Protobuf);
            }

            if (mediaType is "application/json" or "*/*" or "application/*")
            {
                return ("application/json", V2Json);
            }
        }

        return null;
    }

    private static IEnumerable<PathSpec> PathsOf(ApiResource r, SchemaGenerator generator, out HashSet<string> used)
    {
        var set = new HashSet<string>(StringComparer.Ordinal)
        {
            generator.Add(typeof(V1Status)),
            generator.Add(typeof(V1DeleteOptions)),
            SchemaGenerator.PatchName,
        };
        var kind = generator.Add(r.ModelType);
        var list = ModelNames.ListTypeOf(r.ModelType) is { } listType
            ? generator.Add(listType)
            : kind;
        set.Add(kind);
        set.Add(list);
        used = set;
        return ResourceOperations.For(r, kind, list, t =>
        {
            var name = generator.Add(t);
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
        return JsonSerializer.SerializeToUtf8Bytes(document);
    }
}
