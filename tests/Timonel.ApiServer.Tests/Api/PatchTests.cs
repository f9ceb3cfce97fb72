using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>PATCH in its three flavours, and the ways a patch request can be wrong.</summary>
public sealed class PatchTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private async Task<string> CreateAsync(JsonObject obj, string plural = "configmaps", string group = "")
    {
        var ns = await fx.NamespaceAsync("patch");
        var prefix = group.Length == 0 ? $"/api/v1/namespaces/{ns}/{plural}" : $"/apis/{group}/namespaces/{ns}/{plural}";
        Assert.Equal(201, (await fx.Client.PostAsync(prefix, obj)).Code);
        return $"{prefix}/{ApiResponse.Str(obj["metadata"]!["name"])}";
    }

    [Fact]
    public async Task Patch_MergePatch_AddsLabelAndKeepsData()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("merge"));

        var response = await fx.Client.PatchAsync(path, "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}", ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Equal("a", ApiResponse.Str(response.Object["metadata"]!["labels"]!["team"]));
        Assert.Equal("v", ApiResponse.Str(response.Object["data"]!["key"]));
    }

    [Fact]
    public async Task Patch_MergePatchNull_RemovesKey()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("mergenull"));

        var response = await fx.Client.PatchAsync(path, "{\"data\":{\"key\":null,\"other\":\"x\"}}", ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Null(response.Object["data"]!["key"]);
        Assert.Equal("x", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["other"]));
    }

    [Fact]
    public async Task Patch_JsonPatch_ReplacesValue()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("json"));

        var response = await fx.Client.PatchAsync(path, "[{\"op\":\"replace\",\"path\":\"/data/key\",\"value\":\"w\"},{\"op\":\"add\",\"path\":\"/data/new\",\"value\":\"n\"}]", ApiClient.JsonPatch);

        Assert.Equal(200, response.Code);
        Assert.Equal("w", ApiResponse.Str(response.Object["data"]!["key"]));
        Assert.Equal("n", ApiResponse.Str(response.Object["data"]!["new"]));
    }

    [Fact]
    public async Task Patch_StrategicMerge_ChangesContainerImageByName()
    {
        var path = await CreateAsync(TestObjects.Deployment("smp"), "deployments", "apps/v1");
        const string Patch = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\"}]}}}}";

        var response = await fx.Client.PatchAsync(path, Patch, ApiClient.StrategicPatch);

        Assert.Equal(200, response.Code);
        var containers = response.Object["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(2, containers.Count);
        Assert.Equal("nginx:1.27", ApiResponse.Str(containers.Single(c => ApiResponse.Str(c!["name"]) == "web")!["image"]));
        Assert.Equal("busybox:1.36", ApiResponse.Str(containers.Single(c => ApiResponse.Str(c!["name"]) == "sidecar")!["image"]));
        Assert.Equal(2, (long?)response.Object["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Patch_MergePatchOnList_ReplacesWholeList()
    {
        var path = await CreateAsync(TestObjects.Deployment("mergelist"), "deployments", "apps/v1");
        const string Patch = "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\"}]}}}}";

        var response = await fx.Client.PatchAsync(path, Patch, ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Single(response.Object["spec"]!["template"]!["spec"]!["containers"]!.AsArray());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/yaml")]
    public async Task Patch_UnsupportedContentType_Is415(string contentType)
    {
        var path = await CreateAsync(TestObjects.ConfigMap("ct"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "{\"data\":{\"key\":\"z\"}}", contentType));

        ApiAssert.Failure(response, 415, "UnsupportedMediaType", contentType);
    }

    [Fact]
    public async Task Patch_ApplyPatchWithoutFieldManager_Is422_AndCborApplyIs415()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("apply"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "apiVersion: v1\nkind: ConfigMap\ndata:\n  key: z\n", "application/apply-patch+yaml"));
        var cbor = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path + "?fieldManager=x", "apiVersion: v1\nkind: ConfigMap\n", "application/apply-patch+cbor"));

        ApiAssert.Failure(response, 422, "Invalid");
        Assert.Equal(415, cbor.Code);
        Assert.Equal("UnsupportedMediaType", cbor.Reason);
    }

    [Theory]
    [InlineData("{\"op\":\"replace\"}")]
    [InlineData("[{\"op\":\"replace\",\"path\":\"/data/key\"")]
    [InlineData("[{\"op\":\"replace\",\"path\":\"/data/key\"},]")]
    public async Task Patch_MalformedJsonPatch_Is400(string patch)
    {
        var path = await CreateAsync(TestObjects.ConfigMap("badjp"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, patch, ApiClient.JsonPatch));

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Theory]
    [InlineData("[{\"op\":\"test\",\"path\":\"/data/key\",\"value\":\"other\"}]")]
    [InlineData("[{\"op\":\"frobnicate\",\"path\":\"/data/key\"}]")]
    [InlineData("[{\"op\":\"remove\",\"path\":\"/data/missing\"}]")]
    [InlineData("[{\"op\":\"replace\",\"path\":\"/spec/nothing/here\",\"value\":1}]")]
    public async Task Patch_JsonPatchThatCannotApply_Is422(string patch)
    {
        var path = await CreateAsync(TestObjects.ConfigMap("failjp"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, patch, ApiClient.JsonPatch));

        ApiAssert.Failure(response, 422, "Invalid");
        Assert.Equal("v", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Patch_MalformedMergePatch_Is400()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("badmerge"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "{\"data\":", ApiClient.MergePatch));

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task Patch_ResultWithWrongType_Is400()
    {
        var path = await CreateAsync(TestObjects.Deployment("wrongtype"), "deployments", "apps/v1");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "{\"spec\":{\"replicas\":\"abc\"}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 400, "BadRequest", "replicas");
    }

    [Fact]
    public async Task Patch_MissingObject_Is404()
    {
        var ns = await fx.NamespaceAsync("patch");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/ghost", "{\"data\":{}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 404, "NotFound", "configmaps \"ghost\" not found");
    }

    [Fact]
    public async Task Patch_StaleResourceVersionInPatch_Is409()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("pinned"));
        var rv = (await fx.Client.GetAsync(path)).ResourceVersion;
        Assert.Equal(200, (await fx.Client.PatchAsync(path, "{\"data\":{\"key\":\"1\"}}", ApiClient.MergePatch)).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, $"{{\"metadata\":{{\"resourceVersion\":\"{rv}\"}},\"data\":{{\"key\":\"2\"}}}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 409, "Conflict");
        Assert.Equal("1", ApiResponse.Str((await fx.Client.GetAsync(path)).Object["data"]!["key"]));
    }

    [Fact]
    public async Task Patch_ChangingName_Is400()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("rename"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "{\"metadata\":{\"name\":\"other\"}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 400, "BadRequest", "other");
    }

    [Fact]
    public async Task Patch_Status_ChangesOnlyStatus()
    {
        var path = await CreateAsync(TestObjects.Deployment("pstatus"), "deployments", "apps/v1");

        var response = await fx.Client.PatchAsync($"{path}/status", "{\"spec\":{\"replicas\":8},\"status\":{\"replicas\":3}}", ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Equal(1, (int?)response.Object["spec"]!["replicas"]);
        Assert.Equal(3, (int?)response.Object["status"]!["replicas"]);
    }

    [Fact]
    public async Task Patch_EmptyBody_Is400()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("empty"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "", ApiClient.MergePatch));

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task Patch_DuplicateJsonKeys_Is400()
    {
        var path = await CreateAsync(TestObjects.ConfigMap("dupkeys"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, "{\"data\":{\"key\":\"a\",\"key\":\"b\"}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 400, "BadRequest", "Duplicate");
    }
}
