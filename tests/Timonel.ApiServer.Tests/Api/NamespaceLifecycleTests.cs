using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Namespace deletion: Terminating, content removed, the namespace finalized and gone; protected namespaces.</summary>
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

    [Fact]
    public async Task Delete_Namespace_TurnsTerminatingEmptiesAndDisappears()
    {
        var ns = await fx.NamespaceAsync("doomed");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("c"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment("d"))).Code);

        var response = await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}");

        Assert.Equal(200, response.Code);
        Assert.Equal("Namespace", response.Kind);
        Assert.Equal("Terminating", ApiResponse.Str(response.Object["status"]!["phase"]));
        Assert.NotNull(response.Object["metadata"]!["deletionTimestamp"]);
        await WaitGoneAsync($"/api/v1/namespaces/{ns}/configmaps/c");
        await WaitGoneAsync($"/api/v1/namespaces/{ns}/pods/p");
        await WaitGoneAsync($"/apis/apps/v1/namespaces/{ns}/deployments/d");
        await WaitGoneAsync($"/api/v1/namespaces/{ns}");
    }

    [Fact]
    public async Task Delete_NamespaceWithRunningPod_WaitsForThePodToGo()
    {
        var ns = await fx.NamespaceAsync("doomed");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("bound"))).Code);
        Assert.Equal(201, (await fx.Client.PostAsync($"{pods}/bound/binding", DeleteTests.Binding("bound", "node-1"))).Code);

        Assert.Equal(200, (await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}")).Code);

        var deadline = DateTime.UtcNow + Patience;
        JsonObject pod;
        do
        {
            await Task.Delay(50);
            pod = (await fx.Client.GetAsync($"{pods}/bound")).Object;
            Assert.True(DateTime.UtcNow < deadline, "the pod never got a deletionTimestamp");
        }
        while (pod["metadata"]!["deletionTimestamp"] is null);

        Assert.Equal("Terminating", ApiResponse.Str((await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Object["status"]!["phase"]));

        // The node agent's part: the pod stopped, delete it for good.
        Assert.Equal(200, (await fx.Client.DeleteAsync($"{pods}/bound?gracePeriodSeconds=0")).Code);
        await WaitGoneAsync($"/api/v1/namespaces/{ns}");
    }

    [Fact]
    public async Task Delete_NamespaceWithFinalizedObject_StaysUntilFinalizerIsRemoved()
    {
        var ns = await fx.NamespaceAsync("doomed");
        var held = TestObjects.ConfigMap("held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", held)).Code);

        Assert.Equal(200, (await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}")).Code);
        await Task.Delay(300);
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Code);

        Assert.Equal(200, (await fx.Client.PatchAsync($"/api/v1/namespaces/{ns}/configmaps/held", "{\"metadata\":{\"finalizers\":null}}", ApiClient.MergePatch)).Code);
        await WaitGoneAsync($"/api/v1/namespaces/{ns}");
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
