using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The PersistentVolumeClaimResize admission plugin: who may grow a claim's storage request.</summary>
public sealed class PersistentVolumeClaimResizeTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Grow = "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}";

    private async Task<string> ClassAsync(bool? allowExpansion)
    {
        var name = "resize-" + Guid.NewGuid().ToString("N")[..8];
        var storageClass = new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1",
            ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["provisioner"] = "example.com/test",
        };
        if (allowExpansion is { } allow)
        {
            storageClass["allowVolumeExpansion"] = allow;
        }

        ApiAssert.Code(201, await fx.Client.PostAsync("/apis/storage.k8s.io/v1/storageclasses", storageClass));
        return name;
    }

    // A claim of 1Gi in the class, marked Bound (as the binder would) unless told otherwise.
    private async Task<string> ClaimAsync(string ns, string name, string className, bool bound = true)
    {
        var claims = $"/api/v1/namespaces/{ns}/persistentvolumeclaims";
        ApiAssert.Code(201, await fx.Client.PostAsync(claims, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["storageClassName"] = className,
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
            },
        }));
        if (bound)
        {
            ApiAssert.Code(200, await fx.Client.PatchAsync($"{claims}/{name}/status", "{\"status\":{\"phase\":\"Bound\",\"capacity\":{\"storage\":\"1Gi\"}}}", ApiClient.MergePatch));
        }

        return $"{claims}/{name}";
    }

    [Fact]
    public async Task Grow_BoundClaimWhoseClassAllowsExpansion_RequestStored()
    {
        var ns = await fx.NamespaceAsync("resize");
        var claim = await ClaimAsync(ns, "data", await ClassAsync(allowExpansion: true));

        var response = await fx.Client.PatchAsync(claim, Grow, ApiClient.MergePatch);

        ApiAssert.Code(200, response);
        Assert.Equal("2Gi", ApiResponse.Str((await fx.Client.GetAsync(claim)).Object["spec"]!["resources"]!["requests"]!["storage"]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public async Task Grow_BoundClaimWhoseClassDoesNotAllowExpansion_Is403AndUnchanged(bool? allowExpansion)
    {
        var ns = await fx.NamespaceAsync("resize");
        var claim = await ClaimAsync(ns, "data", await ClassAsync(allowExpansion));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(claim, Grow, ApiClient.MergePatch));

        ApiAssert.Failure(response, 403, "Forbidden", "persistentvolumeclaims \"data\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        Assert.Equal("1Gi", ApiResponse.Str((await fx.Client.GetAsync(claim)).Object["spec"]!["resources"]!["requests"]!["storage"]));
    }

    [Fact]
    public async Task Grow_UnboundClaim_Is403OnlyBoundClaimsExpand()
    {
        var ns = await fx.NamespaceAsync("resize");
        var claim = await ClaimAsync(ns, "data", await ClassAsync(allowExpansion: true), bound: false);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(claim, Grow, ApiClient.MergePatch));

        ApiAssert.Failure(response, 403, "Forbidden", "persistentvolumeclaims \"data\" is forbidden: Only bound persistent volume claims can be expanded");
    }

    [Fact]
    public async Task Grow_ClaimWhoseClassIsGone_Is403()
    {
        var ns = await fx.NamespaceAsync("resize");
        var className = await ClassAsync(allowExpansion: true);
        var claim = await ClaimAsync(ns, "data", className);
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/apis/storage.k8s.io/v1/storageclasses/{className}"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(claim, Grow, ApiClient.MergePatch));

        ApiAssert.Failure(response, 403, "Forbidden");
    }

    [Fact]
    public async Task Update_SameRequestOnAClassWithoutExpansion_Allowed()
    {
        var ns = await fx.NamespaceAsync("resize");
        var claim = await ClaimAsync(ns, "data", await ClassAsync(allowExpansion: false));

        ApiAssert.Code(200, await fx.Client.PatchAsync(claim, "{\"metadata\":{\"labels\":{\"tier\":\"db\"}}}", ApiClient.MergePatch));
    }
}
