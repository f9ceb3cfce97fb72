using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>PUT: optimistic concurrency, server-owned metadata, generation and the status split.</summary>
public sealed class UpdateTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private async Task<(string Path, JsonObject Created)> CreateDeploymentAsync(string name)
    {
        var ns = await fx.NamespaceAsync("update");
        var created = await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment(name));
        Assert.Equal(201, created.Code);
        return ($"/apis/apps/v1/namespaces/{ns}/deployments/{name}", created.Object);
    }

    [Fact]
    public async Task Update_CurrentResourceVersion_Is200WithNewVersion()
    {
        var (path, obj) = await CreateDeploymentAsync("web");
        obj["spec"]!["replicas"] = 3;

        var response = await fx.Client.PutAsync(path, obj);

        Assert.Equal(200, response.Code);
        Assert.True(long.Parse(response.ResourceVersion!) > long.Parse(ApiResponse.Str(obj["metadata"]!["resourceVersion"])!));
        Assert.Equal(3, (int?)(await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Update_StaleResourceVersion_Is409Conflict()
    {
        var (path, obj) = await CreateDeploymentAsync("stale");
        var first = obj.DeepClone().AsObject();
        first["spec"]!["replicas"] = 2;
        Assert.Equal(200, (await fx.Client.PutAsync(path, first)).Code);
        obj["spec"]!["replicas"] = 7;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"stale\"", "modified");
        Assert.Equal(2, (int?)(await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Update_NonNumericResourceVersion_Is400()
    {
        var (path, obj) = await CreateDeploymentAsync("badrv");
        obj["metadata"]!["resourceVersion"] = "abc";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 400, "BadRequest", "resourceVersion");
    }

    [Fact]
    public async Task Update_NameMismatch_Is400()
    {
        var (path, obj) = await CreateDeploymentAsync("named");
        obj["metadata"]!["name"] = "other";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 400, "BadRequest", "other", "named");
    }

    [Fact]
    public async Task Update_UidMismatch_Is409()
    {
        var (path, obj) = await CreateDeploymentAsync("uid");
        obj["metadata"]!["uid"] = Guid.NewGuid().ToString();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 409, "Conflict", "UID");
    }

    [Fact]
    public async Task Update_MissingObject_Is404()
    {
        var ns = await fx.NamespaceAsync("update");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"/api/v1/namespaces/{ns}/configmaps/ghost", TestObjects.ConfigMap("ghost")));

        ApiAssert.Failure(response, 404, "NotFound", "configmaps \"ghost\" not found");
    }

    [Fact]
    public async Task Update_WithoutResourceVersion_IsUnconditional()
    {
        var (path, obj) = await CreateDeploymentAsync("blind");
        Assert.Equal(200, (await fx.Client.PutAsync(path, obj.DeepClone())).Code);
        obj["metadata"]!.AsObject().Remove("resourceVersion");
        obj["spec"]!["replicas"] = 4;

        var response = await fx.Client.PutAsync(path, obj);

        Assert.Equal(200, response.Code);
        Assert.Equal(4, (int?)response.Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Update_ServerOwnedMetadata_IsKept()
    {
        var (path, obj) = await CreateDeploymentAsync("owned");
        var uid = ApiResponse.Str(obj["metadata"]!["uid"]);
        var created = ApiResponse.Str(obj["metadata"]!["creationTimestamp"]);
        obj["metadata"]!.AsObject().Remove("uid");
        obj["metadata"]!["creationTimestamp"] = "2001-01-01T00:00:00Z";
        obj["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };

        var response = await fx.Client.PutAsync(path, obj);

        Assert.Equal(200, response.Code);
        Assert.Equal(uid, ApiResponse.Str(response.Object["metadata"]!["uid"]));
        Assert.Equal(created, ApiResponse.Str(response.Object["metadata"]!["creationTimestamp"]));
    }

    [Fact]
    public async Task Update_MetadataOnly_KeepsGeneration()
    {
        var (path, obj) = await CreateDeploymentAsync("gen-meta");
        obj["metadata"]!["labels"] = new JsonObject { ["changed"] = "yes" };

        var response = await fx.Client.PutAsync(path, obj);

        Assert.Equal(200, response.Code);
        Assert.Equal(1, (long?)response.Object["metadata"]!["generation"]);
        Assert.NotEqual(ApiResponse.Str(obj["metadata"]!["resourceVersion"]), response.ResourceVersion);
    }

    [Fact]
    public async Task Update_SpecChange_BumpsGenerationOnce()
    {
        var (path, obj) = await CreateDeploymentAsync("gen-spec");
        obj["spec"]!["replicas"] = 5;

        var response = await fx.Client.PutAsync(path, obj);
        var again = await fx.Client.PutAsync(path, response.Object);

        Assert.Equal(2, (long?)response.Object["metadata"]!["generation"]);
        Assert.Equal(2, (long?)again.Object["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Update_NoOp_KeepsResourceVersionAndWritesNothing()
    {
        var (path, obj) = await CreateDeploymentAsync("noop");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        Assert.Equal(200, response.Code);
        Assert.Equal(ApiResponse.Str(obj["metadata"]!["resourceVersion"]), response.ResourceVersion);
    }

    [Fact]
    public async Task UpdateStatus_SpecChange_IsIgnored()
    {
        var (path, obj) = await CreateDeploymentAsync("status");
        obj["spec"]!["replicas"] = 9;
        obj["status"] = new JsonObject { ["replicas"] = 1, ["observedGeneration"] = 1 };

        var response = await fx.Client.PutAsync($"{path}/status", obj);

        Assert.Equal(200, response.Code);
        Assert.Equal(1, (int?)response.Object["spec"]!["replicas"]);
        Assert.Equal(1, (int?)response.Object["status"]!["replicas"]);
        Assert.Equal(1, (long?)response.Object["metadata"]!["generation"]);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal(1, (int?)stored["spec"]!["replicas"]);
        Assert.Equal(1, (int?)stored["status"]!["replicas"]);
    }

    [Fact]
    public async Task Update_StatusChange_IsIgnored()
    {
        var (path, obj) = await CreateDeploymentAsync("mainstatus");
        obj["status"] = new JsonObject { ["replicas"] = 1 };
        var withStatus = (await fx.Client.PutAsync($"{path}/status", obj)).Object;
        withStatus["status"]!["replicas"] = 42;
        withStatus["spec"]!["replicas"] = 2;

        var response = await fx.Client.PutAsync(path, withStatus);

        Assert.Equal(200, response.Code);
        Assert.Equal(2, (int?)response.Object["spec"]!["replicas"]);
        Assert.Equal(1, (int?)response.Object["status"]!["replicas"]);
    }

    [Fact]
    public async Task GetStatus_ReturnsWholeObject()
    {
        var (path, _) = await CreateDeploymentAsync("getstatus");

        var response = await fx.Client.GetAsync($"{path}/status");

        Assert.Equal(200, response.Code);
        Assert.Equal("Deployment", response.Kind);
        Assert.Equal("getstatus", response.Name);
    }

    [Fact]
    public async Task Update_WrongValueType_Is400()
    {
        var (path, obj) = await CreateDeploymentAsync("type");
        obj["spec"]!["replicas"] = "abc";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 400, "BadRequest", "replicas");
    }

    [Fact]
    public async Task Update_NamespaceMismatch_Is400()
    {
        var (path, obj) = await CreateDeploymentAsync("nsmismatch");
        obj["metadata"]!["namespace"] = "default";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync(path, obj));

        ApiAssert.Failure(response, 400, "BadRequest", "namespace");
    }
}
