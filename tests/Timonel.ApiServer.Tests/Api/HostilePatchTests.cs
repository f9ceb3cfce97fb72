using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Patches built to make the server work without bound: each is refused early, and writes nothing.</summary>
public sealed class HostilePatchTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private async Task<string> CreateAsync(JsonObject configMap)
    {
        var ns = await fx.NamespaceAsync("hostile");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", configMap)).Code);
        return $"/api/v1/namespaces/{ns}/configmaps/{ApiResponse.Str(configMap["metadata"]!["name"])}";
    }

    private static string DoublingCopies(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"op":"copy","from":"/metadata","path":"/metadata/annotations/m{{i}}"}""")) + "]";

    [Fact]
    public async Task Patch_JsonPatchOf30DoublingCopies_Is422QuicklyAndNothingWritten()
    {
        var cm = TestObjects.ConfigMap("doubling");
        cm["metadata"]!["annotations"] = new JsonObject { ["a"] = "b" };
        var path = await CreateAsync(cm);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, DoublingCopies(30), ApiClient.JsonPatch));

        ApiAssert.Failure(response, 422, "Invalid", "Unable to complete the copy, the accumulated size increase of copy is", "exceeding the limit 3145728");
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Single(stored["metadata"]!["annotations"]!.AsObject());
    }

    [Fact]
    public async Task Patch_JsonPatchOfAFewCopies_Is200()
    {
        // The control: copies that stay under the limit apply.
        var cm = TestObjects.ConfigMap("fewcopies");
        cm["metadata"]!["annotations"] = new JsonObject { ["a"] = "b" };
        var path = await CreateAsync(cm);

        var response = await fx.Client.PatchAsync(path, """[{"op":"copy","from":"/data/key","path":"/data/copy"}]""", ApiClient.JsonPatch);

        Assert.Equal(200, response.Code);
        Assert.Equal("v", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["copy"]));
    }

    [Fact]
    public async Task Patch_JsonPatchOver10000Operations_Is413AndNothingWritten()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("manyops"));
        var ops = "[" + string.Join(",", Enumerable.Repeat("""{"op":"test","path":"/data/key","value":"v"}""", 10_001)) + "]";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, ops, ApiClient.JsonPatch));

        ApiAssert.Failure(response, 413, "RequestEntityTooLarge", "The allowed maximum operations in a JSON patch is 10000, got 10001");
    }

    [Theory]
    [InlineData(ApiClient.MergePatch, "bigmerge")]
    [InlineData(ApiClient.StrategicPatch, "bigsmp")]
    public async Task Patch_MergeGrowingTheObjectPast3MiB_Is413AndNothingWritten(string patchType, string name)
    {
        // A Deployment has no size rule of its own: 2 MiB of container arguments is a valid one.
        var ns = await fx.NamespaceAsync("hostile");
        var deployment = TestObjects.Deployment(name);
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["args"] = new JsonArray(new string('a', 2 * 1024 * 1024));
        Assert.Equal(201, (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", deployment)).Code);
        var path = $"/apis/apps/v1/namespaces/{ns}/deployments/{name}";
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["more"] = new string('b', 2 * 1024 * 1024) } } } },
        }.ToJsonString();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, patch, patchType));

        ApiAssert.Failure(response, 413, "RequestEntityTooLarge", "Request entity too large", "3145728");
        Assert.Null((await fx.Client.GetAsync(path)).Object["spec"]!["template"]!["metadata"]!["annotations"]?["more"]);
    }
}
