using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// application/json-patch+json as kube-apiserver applies it (evanphx/json-patch v4), one test
/// per way v4 departs from RFC 6902, through the HTTP surface.
/// </summary>
public sealed class JsonPatchV4Tests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private async Task<string> CreateAsync(JsonObject obj, string plural = "configmaps", string group = "")
    {
        var ns = await fx.NamespaceAsync("jp4");
        var prefix = group.Length == 0 ? $"/api/v1/namespaces/{ns}/{plural}" : $"/apis/{group}/namespaces/{ns}/{plural}";
        Assert.Equal(201, (await fx.Client.PostAsync(prefix, obj)).Code);
        return $"{prefix}/{ApiResponse.Str(obj["metadata"]!["name"])}";
    }

    private static JsonObject WithFinalizers(JsonObject obj, params string[] finalizers)
    {
        obj["metadata"]!["finalizers"] = new JsonArray(finalizers.Select(f => (JsonNode)f).ToArray());
        return obj;
    }

    private static string[] Finalizers(JsonObject obj) =>
        obj["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).ToArray();

    [Fact]
    public async Task Patch_JsonPatchReplaceMissingAnnotation_AddsIt()
    {
        var cm = TestObjects.ConfigMap("replace");
        cm["metadata"]!["annotations"] = new JsonObject { ["a"] = "1" };
        var path = await CreateAsync(cm);

        var response = await fx.Client.PatchAsync(path, """[{"op":"replace","path":"/metadata/annotations/x","value":"2"}]""", ApiClient.JsonPatch);

        Assert.Equal(200, response.Code);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal("2", ApiResponse.Str(stored["metadata"]!["annotations"]!["x"]));
        Assert.Equal("1", ApiResponse.Str(stored["metadata"]!["annotations"]!["a"]));
    }

    [Fact]
    public async Task Patch_JsonPatchNegativeAndLeadingZeroIndexes_CountAsV4Does()
    {
        var path = await CreateAsync(WithFinalizers(TestObjects.ConfigMap("indexes"), "a.io/x", "a.io/y", "a.io/z"));

        var response = await fx.Client.PatchAsync(
            path, """[{"op":"remove","path":"/metadata/finalizers/-1"},{"op":"replace","path":"/metadata/finalizers/01","value":"a.io/w"}]""", ApiClient.JsonPatch);

        Assert.Equal(200, response.Code);
        Assert.Equal(["a.io/x", "a.io/w"], Finalizers((await fx.Client.GetAsync(path)).Object));
        Assert.Equal(200, (await fx.Client.PatchAsync(path, """[{"op":"remove","path":"/metadata/finalizers"}]""", ApiClient.JsonPatch)).Code);
    }

    [Fact]
    public async Task Patch_JsonPatchReplaceDashIndex_Is422AndWritesNothing()
    {
        var path = await CreateAsync(WithFinalizers(TestObjects.ConfigMap("dash"), "a.io/x"));

        var response = await fx.Client.PatchAsync(
            path, """[{"op":"add","path":"/data/new","value":"n"},{"op":"replace","path":"/metadata/finalizers/-","value":"a.io/y"}]""", ApiClient.JsonPatch);

        Assert.Equal(422, response.Code);
        Assert.Contains("not a proper array index", response.Message, StringComparison.Ordinal);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal(["a.io/x"], Finalizers(stored));
        Assert.Null(stored["data"]!["new"]);
        Assert.Equal(200, (await fx.Client.PatchAsync(path, """[{"op":"remove","path":"/metadata/finalizers"}]""", ApiClient.JsonPatch)).Code);
    }

    [Fact]
    public async Task Patch_JsonPatchTestMissingMemberAgainstNull_Passes()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("testnull"));

        var response = await fx.Client.PatchAsync(
            path, """[{"op":"test","path":"/data/missing","value":null},{"op":"add","path":"/data/new","value":"n"}]""", ApiClient.JsonPatch);

        Assert.Equal(200, response.Code);
        Assert.Equal("n", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["new"]));
    }

    [Fact]
    public async Task Patch_JsonPatchMoveIntoOwnChild_Is422AndWritesNothing()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("moveinto"));

        var response = await fx.Client.PatchAsync(path, """[{"op":"move","from":"/data","path":"/data/inner"}]""", ApiClient.JsonPatch);

        Assert.Equal(422, response.Code);
        Assert.Contains("move operation does not apply: doc is missing path: \"/data/inner\"", response.Message, StringComparison.Ordinal);
        Assert.Equal("v", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Patch_KubernetesClientJsonPatch_ReplacesMissingTemplateAnnotation()
    {
        var path = await CreateAsync(TestObjects.Deployment("restart"), "deployments", "apps/v1");
        Assert.Equal(200, (await fx.Client.PatchAsync(path, """{"spec":{"template":{"metadata":{"annotations":{"team":"a"}}}}}""", ApiClient.MergePatch)).Code);
        var ns = path.Split('/')[5];
        using var ca = X509Certificate2.CreateFromPem(fx.Host.Pki.ServerCaPem);
        using var client = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = fx.Host.Url,
            AccessToken = fx.Host.Pki.AdminToken,
            SslCaCerts = [ca],
        });
        // The operation shape Microsoft.AspNetCore.JsonPatch's JsonPatchDocument serializes (value, path, op).
        var patch = new V1Patch(
            """[{"value":"2026-01-01T00:00:00Z","path":"/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt","op":"replace"}]""",
            V1Patch.PatchType.JsonPatch);

        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(patch, "restart", ns);

        Assert.Equal("2026-01-01T00:00:00Z", patched.Spec.Template.Metadata.Annotations["kubectl.kubernetes.io/restartedAt"]);
        Assert.Equal("a", patched.Spec.Template.Metadata.Annotations["team"]);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal("2026-01-01T00:00:00Z", ApiResponse.Str(stored["spec"]!["template"]!["metadata"]!["annotations"]!["kubectl.kubernetes.io/restartedAt"]));
    }
}
