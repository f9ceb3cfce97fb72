using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.ApiServer.Tests.Api;
using Timonel.Registry.Resources;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Resources;

/// <summary>
/// A definition added to a running server's catalog is served everywhere at once (discovery,
/// aggregated discovery and its ETag, OpenAPI, routing, kubectl), and a removed one leaves all of them.
/// The kind is test-only; it reuses the ConfigMap model under a group of its own.
/// </summary>
public class RuntimeDefinitionTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Group = "example.timonel.dev";
    private const string Aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    private const string WidgetsPath = "/apis/example.timonel.dev/v1/namespaces/{namespace}/widgets";

    private static ResourceDefinition Widgets() =>
        new(Group, "v1", "Widget", "widgets", namespaced: true, typeof(V1ConfigMap)) { ShortNames = ["wdg"] };

    [Fact]
    public async Task AddThenRemove_Widgets_AppearInAndLeaveDiscoveryOpenApiAndKubectl()
    {
        var ns = await fx.NamespaceAsync("widgets");
        var before = await SurfaceAsync(ns);
        Assert.False(before.InGroupList);
        Assert.Equal(404, before.GroupVersionCode);
        Assert.False(before.InAggregated);
        Assert.False(before.InOpenApiV2);
        Assert.False(before.InOpenApiV3Index);
        Assert.Equal(404, (await fx.Client.GetAsync($"/apis/{Group}/v1/namespaces/{ns}/widgets")).Code);

        fx.Host.Catalog.Add(Widgets());
        try
        {
            var added = await SurfaceAsync(ns);
            Assert.True(added.InGroupList);
            Assert.Equal(200, added.GroupVersionCode);
            Assert.True(added.InAggregated);
            Assert.NotEqual(before.AggregatedETag, added.AggregatedETag);
            Assert.True(added.InOpenApiV2);
            Assert.True(added.InOpenApiV3Index);

            var created = await fx.Client.PostAsync($"/apis/{Group}/v1/namespaces/{ns}/widgets", new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "sprocket" },
                ["data"] = new JsonObject { ["teeth"] = "12" },
            });
            ApiAssert.Code(201, created);
            Assert.Equal("Widget", created.Kind);
            Assert.Equal($"{Group}/v1", ApiResponse.Str(created.Object["apiVersion"]));

            var kubectl = Kubectl();
            var got = await kubectl.RunAsync("get", "widgets", "-n", ns);
            Assert.True(got.ExitCode == 0, got.Stderr);
            Assert.Contains("sprocket", got.Stdout);
            var byShortName = await kubectl.RunAsync("get", "wdg", "-n", ns, "-o", "jsonpath={.items[0].data.teeth}");
            Assert.True(byShortName.ExitCode == 0, byShortName.Stderr);
            Assert.Equal("12", byShortName.Stdout);
        }
        finally
        {
            Assert.True(fx.Host.Catalog.Remove(Group, "widgets"));
        }

        var removed = await SurfaceAsync(ns);
        Assert.False(removed.InGroupList);
        Assert.Equal(404, removed.GroupVersionCode);
        Assert.False(removed.InAggregated);
        Assert.Equal(before.AggregatedETag, removed.AggregatedETag);
        Assert.False(removed.InOpenApiV2);
        Assert.False(removed.InOpenApiV3Index);
        Assert.Equal(404, (await fx.Client.GetAsync($"/apis/{Group}/v1/namespaces/{ns}/widgets")).Code);
        var gone = await Kubectl().RunAsync("get", "widgets", "-n", ns);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("the server doesn't have a resource type \"widgets\"", gone.Stderr);
    }

    [Fact]
    public async Task AggregatedDiscovery_IfNoneMatchCurrentETag_Is304UntilTheCatalogChanges()
    {
        var first = await fx.Client.GetAsync("/apis", Aggregated);
        var etag = first.Headers.ETag!.Tag;

        var unchanged = await IfNoneMatchAsync(etag);
        Assert.Equal(304, unchanged.Code);

        fx.Host.Catalog.Add(new ResourceDefinition("etag.timonel.dev", "v1", "Gadget", "gadgets", namespaced: false, typeof(V1ConfigMap)));
        try
        {
            var changed = await IfNoneMatchAsync(etag);
            Assert.Equal(200, changed.Code);
            Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
            Assert.Contains("etag.timonel.dev", changed.Text);
        }
        finally
        {
            fx.Host.Catalog.Remove("etag.timonel.dev", "gadgets");
        }
    }

    [Fact]
    public void Add_PluralAlreadyServed_ThrowsAndChangesNothing()
    {
        var revision = fx.Host.Catalog.Revision;

        Assert.Throws<ArgumentException>(() => fx.Host.Catalog.Add(new ResourceDefinition("", "v1", "Pod", "pods", namespaced: true, typeof(V1Pod))));

        Assert.Equal(revision, fx.Host.Catalog.Revision);
        Assert.Single(fx.Host.Catalog.Definitions, d => d.GroupResource == "pods");
    }

    private Task<ApiResponse> IfNoneMatchAsync(string etag) =>
        fx.Client.GetWithHeadersAsync("/apis", Aggregated, ("If-None-Match", etag));

    private KubectlRunner Kubectl() =>
        new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("widgets-home-").FullName);

    private async Task<Surface> SurfaceAsync(string ns)
    {
        var groups = await fx.Client.GetAsync("/apis");
        var groupVersion = await fx.Client.GetAsync($"/apis/{Group}/v1");
        var aggregated = await fx.Client.GetAsync("/apis", Aggregated);
        var v2 = await fx.Client.GetAsync("/openapi/v2");
        var v3 = await fx.Client.GetAsync("/openapi/v3");
        return new Surface(
            groups.Object["groups"]!.AsArray().Any(g => ApiResponse.Str(g!["name"]) == Group),
            groupVersion.Code,
            aggregated.Object["items"]!.AsArray().Any(g => ApiResponse.Str(g!["metadata"]!["name"]) == Group),
            aggregated.Headers.ETag?.Tag,
            v2.Object["paths"]!.AsObject().ContainsKey(WidgetsPath),
            v3.Object["paths"]!.AsObject().ContainsKey($"apis/{Group}/v1"));
    }

    private sealed record Surface(bool InGroupList, int GroupVersionCode, bool InAggregated, string? AggregatedETag, bool InOpenApiV2, bool InOpenApiV3Index);
}
