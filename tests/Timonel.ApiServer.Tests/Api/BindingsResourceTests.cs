using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The legacy v1 bindings resource: POST a Binding to the namespace's bindings binds the pod it names, as pods/NAME/binding does.</summary>
public sealed class BindingsResourceTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Create_UnboundPod_BindsItAndSecondIsConflict()
    {
        var ns = await fx.NamespaceAsync("bindings");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p")));

        var bound = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/bindings", DeleteTests.Binding("p", "node-1"));
        var again = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/bindings", DeleteTests.Binding("p", "node-2")));

        ApiAssert.Code(201, bound);
        Assert.Equal("Success", ApiResponse.Str(bound.Body?["status"]));
        var pod = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/p");
        Assert.Equal("node-1", ApiResponse.Str(pod.Body?["spec"]?["nodeName"]));
        ApiAssert.Failure(again, 409, "Conflict", "already assigned to node \"node-1\"");
    }

    [Fact]
    public async Task Create_MissingPod_IsNotFound()
    {
        var ns = await fx.NamespaceAsync("bindings");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/bindings", DeleteTests.Binding("ghost", "node-1")));

        ApiAssert.Failure(response, 404, "NotFound", "pods \"ghost\" not found");
    }

    [Fact]
    public async Task Create_NoTarget_IsInvalidAndPodStaysUnbound()
    {
        var ns = await fx.NamespaceAsync("bindings");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p")));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/bindings", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "p" } }));

        ApiAssert.Failure(response, 422, "Invalid", "target.name");
        Assert.Null((await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/p")).Body?["spec"]?["nodeName"]);
    }

    [Fact]
    public async Task Create_OtherNamespaceInBody_IsBadRequest()
    {
        var ns = await fx.NamespaceAsync("bindings");
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("p")));
        var binding = DeleteTests.Binding("p", "node-1");
        binding["metadata"]!["namespace"] = "elsewhere";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/bindings", binding));

        ApiAssert.Failure(response, 400, "BadRequest", "does not match the namespace");
    }

    [Theory]
    [InlineData("GET", "", 405, "MethodNotAllowed")]
    [InlineData("DELETE", "", 405, "MethodNotAllowed")]
    [InlineData("GET", "/p", 404, "NotFound")]
    public async Task OtherVerbs_AreRefusedAsUpstream(string method, string suffix, int code, string reason)
    {
        var ns = await fx.NamespaceAsync("bindings");

        var response = await fx.Client.SendAsync(new HttpMethod(method), $"/api/v1/namespaces/{ns}/bindings{suffix}");

        ApiAssert.Failure(response, code, reason);
    }

    [Fact]
    public async Task Discovery_Bindings_IsCreateOnly()
    {
        var list = await fx.Client.GetAsync("/api/v1");

        var entry = list.Body!["resources"]!.AsArray().Single(r => ApiResponse.Str(r?["name"]) == "bindings")!;
        Assert.Equal(["create"], entry["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.True(entry["namespaced"]!.GetValue<bool>());
        Assert.Null(entry["storageVersionHash"]);
    }
}
