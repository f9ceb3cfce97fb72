using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Resources;

namespace Timonel.Api.OpenApi;

/// <summary>
/// The OpenAPI documents the server publishes: /openapi/v2 (JSON) and /openapi/v3 (an index
/// plus one document per group-version). Built on first use, then cached: building reflects
/// over every model and reads the client's XML docs, which start-up need not wait for.
/// kubectl reads the v3 documents to decide that the server validates fields itself (a PATCH
/// operation tagged with the kind and a fieldValidation parameter) and for `kubectl explain`.
/// </summary>
public sealed class OpenApiDocuments
{
    public const string Version = "v1.33.0";

    private static readonly string[] CollectionParameters = ["dryRun", "fieldManager", "fieldValidation", "pretty"];
    private readonly Lazy<Built> _built;

    public OpenApiDocuments(ResourceCatalog catalog) =>
        _built = new Lazy<Built>(() => Build(catalog), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>/openapi/v2 as JSON.</summary>
    public byte[] V2Json => _built.Value.V2;

    /// <summary>/openapi/v2 in gnostic protobuf (paths and operations only), for kubectl up to 1.30.</summary>
    public byte[] V2Protobuf => _built.Value.V2Protobuf;

    /// <summary>/openapi/v3: the index of group-version documents.</summary>
    public byte[] V3Index => _built.Value.Index;

    /// <summary>/openapi/v3/{path} documents keyed by path ("api/v1", "apis/apps/v1").</summary>
    public IReadOnlyDictionary<string, byte[]> V3 => _built.Value.V3;

    private sealed record Built(byte[] V2, byte[] V2Protobuf, byte[] Index, Dictionary<string, byte[]> V3);

    private static Built Build(ResourceCatalog catalog)
    {
        var builder = new SchemaBuilder(catalog, new ModelDescriptions(typeof(k8s.Models.V1Pod).Assembly));
        var v3 = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var index = new JsonObject();
        var v2Paths = new JsonObject();
        var v2Definitions = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (group, version) in catalog.GroupVersions)
        {
            var resources = catalog.All.Where(r => r.Group == group && r.Version == version).ToList();
            var roots = resources.Select(r => (r.ModelType, group, version))
                .Append((typeof(k8s.Models.V1Status), "", "v1"))
                .Append((typeof(k8s.Models.V1DeleteOptions), "", "v1"));
            if (resources.Any(r => r.HasScale))
            {
                roots = roots.Append((typeof(k8s.Models.V1Scale), "autoscaling", "v1"));
            }

            var rootList = roots.ToList();
            var schemas = builder.Build(rootList, "#/components/schemas/");
            var path = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            var doc = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Version },
                ["paths"] = Paths(resources, builder, "#/components/schemas/", v3: true),
                ["components"] = new JsonObject { ["schemas"] = ToObject(schemas) },
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(doc);
            v3[path] = bytes;
            index[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={Convert.ToHexString(SHA512.HashData(bytes))}" };

            foreach (var (k, v) in Paths(resources, builder, "#/definitions/", v3: false))
            {
                v2Paths[k] = v?.DeepClone();
            }

            foreach (var (k, v) in builder.Build(rootList, "#/definitions/"))
            {
                v2Definitions[k] = v;
            }
        }

        var v2 = new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = Version },
            ["paths"] = v2Paths,
            ["definitions"] = ToObject(v2Definitions),
        };
        return new Built(JsonSerializer.SerializeToUtf8Bytes(v2), OpenApiV2Protobuf.Encode(v2), JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["paths"] = index }), v3);
    }

    private static JsonObject Paths(List<ApiResource> resources, SchemaBuilder builder, string refPrefix, bool v3)
    {
        var paths = new JsonObject();
        foreach (var r in resources)
        {
            var root = r.Group.Length == 0 ? $"/api/{r.Version}" : $"/apis/{r.Group}/{r.Version}";
            var collection = r.Namespaced ? $"{root}/namespaces/{{namespace}}/{r.Plural}" : $"{root}/{r.Plural}";
            var schemaRef = refPrefix + builder.NameOf(r.ModelType, r.Group, r.Version);
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(r, "list", $"list or watch objects of kind {r.Kind}", [], null, v3),
                ["post"] = Operation(r, "post", $"create a {r.Kind}", CollectionParameters, schemaRef, v3),
                ["delete"] = Operation(r, "deletecollection", $"delete collection of {r.Kind}", ["dryRun"], null, v3),
            };
            paths[$"{collection}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(r, "get", $"read the specified {r.Kind}", [], schemaRef, v3),
                ["put"] = Operation(r, "put", $"replace the specified {r.Kind}", CollectionParameters, schemaRef, v3),
                ["patch"] = Operation(r, "patch", $"partially update the specified {r.Kind}", ["dryRun", "fieldManager", "fieldValidation", "force"], schemaRef, v3),
                ["delete"] = Operation(r, "delete", $"delete a {r.Kind}", ["dryRun", "gracePeriodSeconds", "propagationPolicy"], null, v3),
            };
        }

        return paths;
    }

    private static JsonObject Operation(ApiResource r, string action, string description, string[] queryParameters, string? schemaRef, bool v3)
    {
        var parameters = new JsonArray(queryParameters.Select(p => (JsonNode)(v3
            ? new JsonObject { ["name"] = p, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } }
            : new JsonObject { ["name"] = p, ["in"] = "query", ["type"] = "string", ["uniqueItems"] = true })).ToArray());
        var response = new JsonObject { ["description"] = "OK" };
        if (schemaRef is not null)
        {
            if (v3)
            {
                response["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = schemaRef } } };
            }
            else
            {
                response["schema"] = new JsonObject { ["$ref"] = schemaRef };
            }
        }

        return new JsonObject
        {
            ["description"] = description,
            ["operationId"] = $"{action}{r.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = response },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind },
        };
    }

    private static JsonObject ToObject(SortedDictionary<string, JsonObject> schemas)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in schemas)
        {
            obj[k] = v.DeepClone();
        }

        return obj;
    }
}
