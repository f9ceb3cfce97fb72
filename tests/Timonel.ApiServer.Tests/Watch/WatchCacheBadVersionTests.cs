using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Watch;

/// <summary>
/// A get whose resourceVersion is not a revision (found by the fuzz campaign: the cache parsed it
/// and answered 500) is refused as a client mistake, while a valid one is served from the cache.
/// </summary>
public sealed class WatchCacheBadVersionTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Theory]
    [InlineData("false")]
    [InlineData("app%20in%20()")]
    [InlineData("12%2Cx")]
    [InlineData("-1")]
    public async Task Get_NonRevisionResourceVersion_Is400NotAnInternalError(string resourceVersion)
    {
        var ns = await fx.NamespaceAsync("badrv");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "c" } });
        Assert.Equal(201, created.Code);
        // The cache serves a valid revision: the path under test is reached. The create's own
        // revision, not "0": "0" means any cached state, which may not hold the new object yet
        // (a 404 under load in CI), while a revision makes the cache wait until it has caught up.
        var revision = created.ResourceVersion;
        Assert.Equal(200, (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/c?resourceVersion={revision}")).Code);

        var response = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/configmaps/c?resourceVersion={resourceVersion}");

        Assert.Equal(400, response.Code);
        Assert.Equal("BadRequest", response.Reason);
    }
}
