using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.Patch;
using Timonel.Registry.OpenApi;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests.OpenApi;

public sealed class OpenApiDocumentsTests
{
    private static readonly OpenApiDocuments Docs = new(
        ResourceCatalog.Default,
        (type, property) => type == typeof(V1PodSpec) && property == "containers" ? new PatchStrategy("name", "merge") : null,
        ModelDescriptions.LoadEmbedded);

    private static JsonObject Parse(byte[] bytes) => JsonNode.Parse(bytes)!.AsObject();

    private static string GroupVersionPath(ApiResource r) => r.Group.Length == 0 ? $"api/{r.Version}" : $"apis/{r.Group}/{r.Version}";

    private static string ItemPath(ApiResource r) =>
        $"/{GroupVersionPath(r)}/{(r.Namespaced ? "namespaces/{namespace}/" : "")}{r.Plural}/{{name}}";

    [Fact]
    public void V3IndexJson_ServerRelativeUrls_CarryTheSha512OfEachDocument()
    {
        var paths = Parse(Docs.V3IndexJson)["paths"]!.AsObject();
        Assert.Equal(Docs.V3.Keys.Order(), paths.Select(p => p.Key).Order());
        foreach (var (key, bytes) in Docs.V3)
        {
            var hash = Convert.ToHexString(SHA512.HashData(bytes));
            Assert.Equal($"/openapi/v3/{key}?hash={hash}", paths[key]!["serverRelativeURL"]!.GetValue<string>());
            Assert.Equal(hash, Docs.V3Hash(key));
        }

        Assert.Null(Docs.V3Hash("apis/nope/v1"));
    }

    [Fact]
    public void V3_EveryCatalogResource_HasPatchOperationThatKubectlAcceptsForFieldValidation()
    {
        // Resources that are not stored (reviews, bindings, componentstatuses) have no patch.
        foreach (var r in ResourceCatalog.Default.Stored)
        {
            var doc = Parse(Docs.V3[GroupVersionPath(r)]);
            Assert.Equal("3.0.0", doc["openapi"]!.GetValue<string>());
            var patch = doc["paths"]![ItemPath(r)]!["patch"]!;
            var gvk = patch["x-kubernetes-group-version-kind"]!;
            Assert.Equal((r.Group, r.Version, r.Kind), (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()));
            Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
            Assert.NotNull(patch["requestBody"]!["content"]![PatchApplier.StrategicMergePatch]);
        }
    }

    [Fact]
    public void V3_AllWriteOperations_ListDryRunFieldManagerAndFieldValidation()
    {
        var writes = 0;
        foreach (var bytes in Docs.V3.Values)
        {
            foreach (var (path, item) in Parse(bytes)["paths"]!.AsObject())
            {
                foreach (var method in new[] { "post", "put", "patch" })
                {
                    if (item![method] is not JsonObject op)
                    {
                        continue;
                    }

                    writes++;
                    var names = op["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToHashSet();
                    Assert.True(names.IsSupersetOf(["dryRun", "fieldManager", "fieldValidation"]), $"{method} {path}");
                    Assert.NotNull(op["x-kubernetes-action"]);
                }
            }
        }

        Assert.True(writes > 3 * ResourceCatalog.Default.All.Count);
    }

    [Fact]
    public void V3_NamespacedResource_HasAllNamespacesListThatExplainLooksUp()
    {
        var doc = Parse(Docs.V3["apis/apps/v1"]);
        var get = doc["paths"]!["/apis/apps/v1/deployments"]!["get"]!;
        Assert.Equal("list", get["x-kubernetes-action"]!.GetValue<string>());
        Assert.Equal("Deployment", get["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void V3_PodSchema_HasGvkDescriptionsAndContainersMergeKey()
    {
        var schemas = Parse(Docs.V3["api/v1"])["components"]!["schemas"]!;
        var pod = schemas["io.k8s.api.core.v1.Pod"]!;
        var gvk = Assert.Single(pod["x-kubernetes-group-version-kind"]!.AsArray())!;
        Assert.Equal(("", "v1", "Pod"), (gvk["group"]!.GetValue<string>(), gvk["version"]!.GetValue<string>(), gvk["kind"]!.GetValue<string>()));
        Assert.Contains("collection of containers", pod["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.PodSpec", pod["properties"]!["spec"]!["allOf"]![0]!["$ref"]!.GetValue<string>());

        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal("name", containers["x-kubernetes-patch-merge-key"]!.GetValue<string>());
        Assert.Equal("merge", containers["x-kubernetes-patch-strategy"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.Container", containers["items"]!["$ref"]!.GetValue<string>());
        Assert.Null(schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["volumes"]!["x-kubernetes-patch-merge-key"]);

        var image = schemas["io.k8s.api.core.v1.Container"]!["properties"]!["image"]!;
        Assert.Equal("string", image["type"]!.GetValue<string>());
        Assert.StartsWith("Container image name.", image["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void V3_ScalarTypes_MapToUpstreamSchemas()
    {
        var schemas = Parse(Docs.V3["api/v1"])["components"]!["schemas"]!;
        var meta = schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!;
        Assert.Equal("date-time", meta["creationTimestamp"]!["format"]!.GetValue<string>());
        Assert.Equal("object", meta["labels"]!["type"]!.GetValue<string>());
        Assert.Equal("string", meta["labels"]!["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.Equal("int64", meta["generation"]!["format"]!.GetValue<string>());

        var port = schemas["io.k8s.api.core.v1.ServicePort"]!["properties"]!;
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString", port["targetPort"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.True(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["x-kubernetes-int-or-string"]!.GetValue<bool>());
        Assert.Equal("int32", port["port"]!["format"]!.GetValue<string>());

        var limits = schemas["io.k8s.api.core.v1.ResourceRequirements"]!["properties"]!["limits"]!;
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity", limits["additionalProperties"]!["$ref"]!.GetValue<string>());

        var secretData = schemas["io.k8s.api.core.v1.Secret"]!["properties"]!["data"]!;
        Assert.Equal("byte", secretData["additionalProperties"]!["format"]!.GetValue<string>());
    }

    [Fact]
    public void V3_SharedTypes_UseUpstreamPackages()
    {
        var schemas = Parse(Docs.V3["apis/apps/v1"])["components"]!["schemas"]!.AsObject();
        Assert.True(schemas.ContainsKey("io.k8s.api.core.v1.PodTemplateSpec"));
        Assert.True(schemas.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"));
        Assert.True(schemas.ContainsKey("io.k8s.api.apps.v1.DeploymentSpec"));
        Assert.True(schemas.ContainsKey("io.k8s.api.autoscaling.v1.Scale"));
        Assert.Equal("PodList", Parse(Docs.V3["api/v1"])["components"]!["schemas"]!["io.k8s.api.core.v1.PodList"]!["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.True(Parse(Docs.V3["apis/events.k8s.io/v1"])["components"]!["schemas"]!.AsObject().ContainsKey("io.k8s.api.events.v1.Event"));
        Assert.True(Parse(Docs.V3["api/v1"])["components"]!["schemas"]!.AsObject().ContainsKey("io.k8s.api.core.v1.Event"));
    }

    [Fact]
    public void AllDocuments_EveryReference_Resolves()
    {
        AssertRefsResolve(Parse(Docs.V2Json), "#/definitions/", d => d["definitions"]!.AsObject());
        foreach (var bytes in Docs.V3.Values)
        {
            AssertRefsResolve(Parse(bytes), "#/components/schemas/", d => d["components"]!["schemas"]!.AsObject());
        }
    }

    [Fact]
    public void V2Json_IsSwaggerWithPathsAndDefinitions()
    {
        var doc = Parse(Docs.V2Json);
        Assert.Equal("2.0", doc["swagger"]!.GetValue<string>());
        var patch = doc["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Contains(PatchApplier.StrategicMergePatch, patch["consumes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
        Assert.Equal("#/definitions/io.k8s.api.apps.v1.DeploymentSpec", doc["definitions"]!["io.k8s.api.apps.v1.Deployment"]!["properties"]!["spec"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void V2Protobuf_EncodesSwaggerVersionAndEveryDefinition()
    {
        var fields = ReadFields(Docs.V2Protobuf);
        Assert.Equal("2.0", Encoding.UTF8.GetString(fields.Single(f => f.Field == 1).Bytes));
        var definitions = ReadFields(fields.Single(f => f.Field == 9).Bytes);
        var names = definitions.Select(d => Encoding.UTF8.GetString(ReadFields(d.Bytes).Single(f => f.Field == 1).Bytes)).ToList();
        Assert.Equal(Parse(Docs.V2Json)["definitions"]!.AsObject().Select(kv => kv.Key), names);
    }

    [Theory]
    [InlineData("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "application/octet-stream")]
    [InlineData("application/json", "application/json")]
    [InlineData("application/json, */*", "application/json")]
    [InlineData(null, "application/json")]
    public void V2For_AcceptHeader_PicksEncoding(string? accept, string contentType) =>
        Assert.Equal(contentType, Docs.V2For(accept)!.Value.ContentType);

    [Fact]
    public void V2For_NothingAcceptable_IsNull() => Assert.Null(Docs.V2For("text/html"));

    private static void AssertRefsResolve(JsonObject doc, string prefix, Func<JsonObject, JsonObject> definitions)
    {
        var defined = definitions(doc);
        var pending = new Stack<JsonNode?>([doc]);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        // JSONSchemaProps (apiextensions) has a property named "$ref" itself: an object, not a reference.
                        if (key == "$ref" && value is JsonValue)
                        {
                            var target = value!.GetValue<string>();
                            Assert.StartsWith(prefix, target, StringComparison.Ordinal);
                            Assert.True(defined.ContainsKey(target[prefix.Length..]), target);
                        }

                        pending.Push(value);
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        pending.Push(item);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    // Reads one level of length-delimited protobuf fields.
    private static List<(int Field, byte[] Bytes)> ReadFields(byte[] data)
    {
        var result = new List<(int, byte[])>();
        var i = 0;
        while (i < data.Length)
        {
            var tag = ReadVarint(data, ref i);
            Assert.Equal(2UL, tag & 7);
            var length = (int)ReadVarint(data, ref i);
            result.Add(((int)(tag >> 3), data[i..(i + length)]));
            i += length;
        }

        return result;
    }

    private static ulong ReadVarint(byte[] data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
