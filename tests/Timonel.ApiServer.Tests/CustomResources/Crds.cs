using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>CustomResourceDefinitions for the tests, and waiting for them to be served.</summary>
internal static class Crds
{
    public const string Path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    /// <summary>A valid v1 CRD: one version v1 (served, storage) with a preserve-unknown-fields schema, status and scale subresources and two printer columns.</summary>
    public static JsonObject Crd(string group, string plural, string kind, string scope = "Namespaced", string[]? shortNames = null, string[]? categories = null) => new()
    {
        ["apiVersion"] = "apiextensions.k8s.io/v1",
        ["kind"] = "CustomResourceDefinition",
        ["metadata"] = new JsonObject { ["name"] = $"{plural}.{group}" },
        ["spec"] = new JsonObject
        {
            ["group"] = group,
            ["scope"] = scope,
            ["names"] = new JsonObject
            {
                ["plural"] = plural,
                ["singular"] = kind.ToLowerInvariant(),
                ["kind"] = kind,
                ["listKind"] = kind + "List",
                ["shortNames"] = new JsonArray((shortNames ?? []).Select(s => (JsonNode)s).ToArray()),
                ["categories"] = new JsonArray((categories ?? []).Select(s => (JsonNode)s).ToArray()),
            },
            ["versions"] = new JsonArray(Version("v1", storage: true)),
        },
    };

    public static JsonObject Version(string name, bool storage, bool served = true) => new()
    {
        ["name"] = name,
        ["served"] = served,
        ["storage"] = storage,
        ["schema"] = new JsonObject { ["openAPIV3Schema"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true } },
        ["subresources"] = new JsonObject
        {
            ["status"] = new JsonObject(),
            ["scale"] = new JsonObject { ["specReplicasPath"] = ".spec.replicas", ["statusReplicasPath"] = ".status.replicas", ["labelSelectorPath"] = ".status.selector" },
        },
        ["additionalPrinterColumns"] = new JsonArray(
            new JsonObject { ["name"] = "Size", ["type"] = "integer", ["jsonPath"] = ".spec.size" },
            new JsonObject { ["name"] = "Ready", ["type"] = "string", ["jsonPath"] = ".status.conditions[?(@.type==\"Ready\")].status", ["priority"] = 1 },
            new JsonObject { ["name"] = "Age", ["type"] = "date", ["jsonPath"] = ".metadata.creationTimestamp" }),
    };

    /// <summary>Creates <paramref name="crd"/> and waits until it is Established.</summary>
    public static async Task<JsonObject> EstablishAsync(ApiClient client, JsonObject crd)
    {
        var created = await client.PostAsync(Path, crd);
        ApiAssert.Code(201, created);
        return await WaitConditionAsync(client, created.Name!, "Established", "True");
    }

    public static Task<JsonObject> WaitConditionAsync(ApiClient client, string name, string type, string status) =>
        Eventually.WaitAsync(async _ =>
        {
            var got = await client.GetAsync($"{Path}/{name}");
            return Condition(got.Body as JsonObject, type)?["status"]?.GetValue<string>() == status ? got.Object : null;
        }, TimeSpan.FromSeconds(10), $"{name} {type}={status}");

    public static JsonObject? Condition(JsonObject? crd, string type) =>
        (crd?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static JsonObject Widget(string group, string name, int replicas = 1, int size = 3) => new()
    {
        ["apiVersion"] = $"{group}/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name } },
        ["spec"] = new JsonObject { ["replicas"] = replicas, ["size"] = size, ["anything"] = new JsonObject { ["kept"] = true } },
    };
}
