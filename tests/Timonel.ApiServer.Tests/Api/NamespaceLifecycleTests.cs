using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Namespace deletion at the API: Terminating until the finalize subresource clears "kubernetes", then gone; protected namespaces.</summary>
public sealed class NamespaceLifecycleTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private async Task WaitGoneAsync(string path)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = await fx.Client.GetAsync(path);
            if (response.Code == 404)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} still exists after {Patience.TotalSeconds}s: {response.Text}");
            await Task.Delay(50);
        }
    }

    /// <summary>Removes the "kubernetes" finalizer through the finalize subresource, as the namespace controller does.</summary>
    internal static async Task<ApiResponse> FinalizeAsync(ApiClient client, string ns)
    {
        var current = (await client.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        current["spec"]!["finalizers"] = new JsonArray();
        return await client.PutAsync($"/api/v1/namespaces/{ns}/finalize", current);
    }

    [Fact]
    public async Task Delete_Namespace_TurnsTerminatingAndKeepsContentUntilFinalized()
    {
        var ns = await fx.NamespaceAsync("doomed");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("c"))).Code);

        var response = await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}");

        Assert.Equal(200, response.Code);
        Assert.Equal("Namespace", response.Kind);
        Assert.Equal("Terminating", ApiResponse.Str(response.Object["status"]!["phase"]));
        Assert.NotNull(response.Object["metadata"]!["deletionTimestamp"]);
        // Emptying the namespace is the namespace controller's job, not the API server's.
        await Task.Delay(300);
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/c")).Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Code);

        Assert.Equal(200, (await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/configmaps/c")).Code);
        Assert.Equal(200, (await FinalizeAsync(fx.Client, ns)).Code);
        await WaitGoneAsync($"/api/v1/namespaces/{ns}");
    }

    [Fact]
    public async Task Finalize_ActiveNamespace_KeepsIt()
    {
        var ns = await fx.NamespaceAsync("alive");

        Assert.Equal(200, (await FinalizeAsync(fx.Client, ns)).Code);

        var current = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}");
        Assert.Equal(200, current.Code);
        Assert.Equal("Active", ApiResponse.Str(current.Object["status"]!["phase"]));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("kube-system")]
    [InlineData("kube-public")]
    public async Task Delete_ProtectedNamespace_Is403(string name)
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"/api/v1/namespaces/{name}"));

        ApiAssert.Failure(response, 403, "Forbidden", name);
        Assert.Equal("Active", ApiResponse.Str((await fx.Client.GetAsync($"/api/v1/namespaces/{name}")).Object["status"]!["phase"]));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("kube-system")]
    public async Task Delete_ProtectedNamespace_HasUpstreamMessageAndDetails(string name)
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"/api/v1/namespaces/{name}"));

        ApiAssert.Failure(response, 403, "Forbidden", $"namespaces \"{name}\" is forbidden: this namespace may not be deleted");
        Assert.Equal(name, ApiResponse.Str(response.Object["details"]!["name"]));
        Assert.Equal("namespaces", ApiResponse.Str(response.Object["details"]!["kind"]));
    }

    [Fact]
    public async Task DeleteCollection_ReachingAProtectedNamespace_Is403AndKeepsIt()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync("/api/v1/namespaces?fieldSelector=metadata.name%3Dkube-public"));

        ApiAssert.Failure(response, 403, "Forbidden", "namespaces \"kube-public\" is forbidden: this namespace may not be deleted");
        Assert.Equal("Active", ApiResponse.Str((await fx.Client.GetAsync("/api/v1/namespaces/kube-public")).Object["status"]!["phase"]));
    }

    [Fact]
    public async Task Delete_MissingNamespace_Is404()
    {
        var response = await fx.Client.DeleteAsync("/api/v1/namespaces/never-was");

        ApiAssert.Failure(response, 404, "NotFound", "namespaces \"never-was\" not found");
    }

    [Fact]
    public async Task Create_NamespaceSetsActivePhaseAndFinalizer()
    {
        var ns = await fx.NamespaceAsync("fresh");

        var response = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}");

        Assert.Equal("Active", ApiResponse.Str(response.Object["status"]!["phase"]));
        Assert.Contains("kubernetes", response.Object["spec"]!["finalizers"]!.AsArray().Select(f => ApiResponse.Str(f)));
    }
}
