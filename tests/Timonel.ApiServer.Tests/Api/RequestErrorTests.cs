using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Authentication, unknown paths and wrong methods answer with Kubernetes Status objects.</summary>
public sealed class RequestErrorTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task Get_WithoutCredentials_Is401()
    {
        var response = await fx.Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces", authenticate: false);

        ApiAssert.Failure(response, 401, "Unauthorized");
    }

    [Fact]
    public async Task Post_WithoutCredentials_Is401AndWritesNothing()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            TestObjects.ConfigMap("anon").ToJsonString(), ApiClient.Json, authenticate: false));

        ApiAssert.Failure(response, 401, "Unauthorized");
    }

    [Fact]
    public async Task Get_UnknownResource_Is404()
    {
        var response = await fx.Client.GetAsync("/api/v1/namespaces/default/widgets");

        ApiAssert.Failure(response, 404, "NotFound", "widgets");
    }

    [Fact]
    public async Task Get_UnknownGroupVersion_Is404()
    {
        var response = await fx.Client.GetAsync("/apis/apps/v9/deployments");

        ApiAssert.Failure(response, 404, "NotFound", "apps/v9");
    }

    [Fact]
    public async Task Get_UnknownGroup_Is404()
    {
        var response = await fx.Client.GetAsync("/apis/example.com/v1/things");

        ApiAssert.Failure(response, 404, "NotFound");
    }

    [Fact]
    public async Task Get_MissingObject_Is404WithDetails()
    {
        var response = await fx.Client.GetAsync("/apis/apps/v1/namespaces/default/deployments/nope");

        ApiAssert.Failure(response, 404, "NotFound", "deployments.apps \"nope\" not found");
        Assert.Equal("nope", ApiResponse.Str(response.Body!["details"]!["name"]));
        Assert.Equal("deployments", ApiResponse.Str(response.Body!["details"]!["kind"]));
        Assert.Equal("apps", ApiResponse.Str(response.Body!["details"]!["group"]));
    }

    [Fact]
    public async Task Get_ClusterScopedResourceInsideNamespace_Is404()
    {
        var response = await fx.Client.GetAsync("/api/v1/namespaces/default/nodes");

        ApiAssert.Failure(response, 404, "NotFound", "cluster-scoped");
    }

    [Fact]
    public async Task Get_UnknownSubresource_Is404()
    {
        var response = await fx.Client.GetAsync("/api/v1/namespaces/default/configmaps/x/scale");

        ApiAssert.Failure(response, 404, "NotFound", "scale");
    }

    [Fact]
    public async Task Put_OnCollection_Is405()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync("/api/v1/namespaces/default/configmaps", TestObjects.ConfigMap("x")));

        ApiAssert.Failure(response, 405, "MethodNotAllowed", "PUT");
    }

    [Fact]
    public async Task Post_OnNamedObject_Is405()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync("/api/v1/namespaces/default/configmaps/x", TestObjects.ConfigMap("x")));

        ApiAssert.Failure(response, 405, "MethodNotAllowed", "POST");
    }

    [Fact]
    public async Task Post_OnHealthz_Is405()
    {
        var response = await fx.Client.SendAsync(HttpMethod.Post, "/healthz", "{}", ApiClient.Json);

        ApiAssert.Failure(response, 405, "MethodNotAllowed");
    }

    [Fact]
    public async Task Get_UnknownNonResourcePath_Is404()
    {
        var response = await fx.Client.GetAsync("/nothing/here");

        ApiAssert.Failure(response, 404, "NotFound", "/nothing/here");
    }

    [Fact]
    public async Task Get_Healthz_IsOk()
    {
        var response = await fx.Client.GetAsync("/healthz");

        Assert.Equal(200, response.Code);
        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public async Task Post_NamespacedResourceWithoutNamespace_Is400()
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync("/api/v1/configmaps", TestObjects.ConfigMap("x")));

        ApiAssert.Failure(response, 400, "BadRequest", "namespaced");
    }

    [Fact]
    public async Task Get_ObjectWithOtherKindInBody_StillNotConfused()
    {
        // A body on a GET is ignored, the object read is the one the path names.
        var ns = await fx.NamespaceAsync("get");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("one"))).Code);

        var response = await fx.Client.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/one", new JsonObject { ["x"] = 1 }.ToJsonString(), ApiClient.Json);

        Assert.Equal(200, response.Code);
        Assert.Equal("one", response.Name);
    }
}
