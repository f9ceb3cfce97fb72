using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Negative quantities in a pod, refused where kube-apiserver 1.33's pod validation refuses them.</summary>
public sealed class NegativeQuantityTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    private static JsonObject PodWithEmptyDir(string name, string sizeLimit)
    {
        var pod = TestObjects.Pod(name);
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "scratch", ["emptyDir"] = new JsonObject { ["sizeLimit"] = sizeLimit } });
        return pod;
    }

    [Fact]
    public async Task Create_EmptyDirWithPositiveSizeLimit_Is201()
    {
        var ns = await fx.NamespaceAsync("quantity");

        var response = await fx.Client.PostAsync(Pods(ns), PodWithEmptyDir("ok", "1Gi"));

        Assert.Equal(201, response.Code);
    }

    [Theory]
    [InlineData("-1Gi")]
    [InlineData("-1")]
    [InlineData("-0.5m")]
    public async Task Create_EmptyDirWithNegativeSizeLimit_Is422AndStoresNothing(string sizeLimit)
    {
        var ns = await fx.NamespaceAsync("quantity");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), PodWithEmptyDir("p", sizeLimit)));

        ApiAssert.Failure(response, 422, "Invalid");
        Assert.Equal("Pod \"p\" is invalid: spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity", response.Message);
        Assert.Equal(404, (await fx.Client.GetAsync($"{Pods(ns)}/p")).Code);
    }

    [Fact]
    public async Task Create_NegativeCpuRequest_Is422AndStoresNothing()
    {
        var ns = await fx.NamespaceAsync("quantity");
        var pod = TestObjects.Pod("p");
        pod["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "-1" } };

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), pod));

        ApiAssert.Failure(response, 422, "Invalid", "spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0");
        Assert.Equal(404, (await fx.Client.GetAsync($"{Pods(ns)}/p")).Code);
    }
}
