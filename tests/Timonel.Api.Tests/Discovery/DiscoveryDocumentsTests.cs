using System.Text.Json.Nodes;
using Timonel.Registry.Discovery;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests.Discovery;

public sealed class DiscoveryDocumentsTests
{
    private static readonly DiscoveryDocuments Docs = new(ResourceCatalog.Default);

    private static JsonObject Parse(byte[] bytes) => JsonNode.Parse(bytes)!.AsObject();

    private static JsonObject ResourceEntry(string group, string version, string name) =>
        Parse(Docs.ResourceListJson(group, version)!)["resources"]!.AsArray()
            .Select(r => r!.AsObject())
            .Single(r => r["name"]!.GetValue<string>() == name);

    private static string[] Strings(JsonNode? array) => array!.AsArray().Select(v => v!.GetValue<string>()).ToArray();

    [Fact]
    public void ResourceListJson_EveryCatalogResource_ListedWithScopeKindVerbsAndShortNames()
    {
        foreach (var r in ResourceCatalog.Default.All)
        {
            var entry = ResourceEntry(r.Group, r.Version, r.Plural);
            Assert.Equal(r.Kind, entry["kind"]!.GetValue<string>());
            Assert.Equal(r.Namespaced, entry["namespaced"]!.GetValue<bool>());
            Assert.Equal(r.Singular, entry["singularName"]!.GetValue<string>());
            string[] verbs = r.Definition.IsStored ? ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] : r.Plural == "componentstatuses" || r.Group == "metrics.k8s.io" ? ["get", "list"] : ["create"];
            Assert.Equal(verbs, Strings(entry["verbs"]));
            Assert.Equal(r.Definition.IsStored, entry["storageVersionHash"] is not null);
            Assert.Equal(r.ShortNames, entry["shortNames"] is null ? [] : Strings(entry["shortNames"]));
            Assert.Equal(r.Categories, entry["categories"] is null ? [] : Strings(entry["categories"]));
        }
    }

    [Fact]
    public void ResourceListJson_Subresources_CarryUpstreamKindsAndVerbs()
    {
        var scale = ResourceEntry("apps", "v1", "deployments/scale");
        Assert.Equal("autoscaling", scale["group"]!.GetValue<string>());
        Assert.Equal("v1", scale["version"]!.GetValue<string>());
        Assert.Equal("Scale", scale["kind"]!.GetValue<string>());
        Assert.Equal(["get", "patch", "update"], Strings(scale["verbs"]));

        var eviction = ResourceEntry("", "v1", "pods/eviction");
        Assert.Equal(("policy", "Eviction"), (eviction["group"]!.GetValue<string>(), eviction["kind"]!.GetValue<string>()));
        Assert.Equal(["create"], Strings(eviction["verbs"]));

        Assert.Equal("Binding", ResourceEntry("", "v1", "pods/binding")["kind"]!.GetValue<string>());
        Assert.Equal(["update"], Strings(ResourceEntry("", "v1", "namespaces/finalize")["verbs"]));

        var status = ResourceEntry("", "v1", "pods/status");
        Assert.Equal("Pod", status["kind"]!.GetValue<string>());
        Assert.Null(status["group"]);
        Assert.Equal(["get", "patch", "update"], Strings(status["verbs"]));
    }

    [Fact]
    public void ResourceListJson_UnknownGroupVersion_IsNull()
    {
        Assert.Null(Docs.ResourceListJson("apps", "v1beta1"));
        Assert.Null(Docs.ResourceListJson("nope.example.com", "v1"));
        Assert.Null(Docs.GroupJson("nope.example.com"));
    }

    [Fact]
    public void ResourceListJson_StorageVersionHash_MatchesUpstream()
    {
        Assert.Equal("xPOwRZ+Yhw8=", ResourceEntry("", "v1", "pods")["storageVersionHash"]!.GetValue<string>());
        Assert.Equal("8aSe+NMegvE=", ResourceEntry("apps", "v1", "deployments")["storageVersionHash"]!.GetValue<string>());
    }

    [Fact]
    public void GroupListJson_EveryGroup_HasPreferredVersion()
    {
        var groups = Parse(Docs.GroupListJson)["groups"]!.AsArray().Select(g => g!.AsObject()).ToList();
        var expected = ResourceCatalog.Default.GroupVersions.Select(gv => gv.Group).Where(g => g.Length > 0).Distinct().ToList();
        Assert.Equal(expected, groups.Select(g => g["name"]!.GetValue<string>()));
        var apps = groups.Single(g => g["name"]!.GetValue<string>() == "apps");
        Assert.Equal("apps/v1", apps["preferredVersion"]!["groupVersion"]!.GetValue<string>());
        Assert.Equal("APIGroup", Parse(Docs.GroupJson("apps")!)["kind"]!.GetValue<string>());
    }

    [Fact]
    public void ForApi_LegacyAccept_ReturnsApiVersionsWithServerAddress()
    {
        var response = Docs.ForApi("application/json, */*", "127.0.0.1:6443");
        Assert.Equal("application/json", response.ContentType);
        var doc = Parse(response.Body);
        Assert.Equal("APIVersions", doc["kind"]!.GetValue<string>());
        Assert.Equal(["v1"], Strings(doc["versions"]));
        Assert.Equal("0.0.0.0/0", doc["serverAddressByClientCIDRs"]![0]!["clientCIDR"]!.GetValue<string>());
        Assert.Equal("127.0.0.1:6443", doc["serverAddressByClientCIDRs"]![0]!["serverAddress"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList", "apidiscovery.k8s.io/v2beta1")]
    public void ForApis_AggregatedAccept_ReturnsExactContentTypeAndList(string accept, string contentType, string apiVersion)
    {
        var response = Docs.ForApis(accept);
        Assert.Equal(contentType, response.ContentType);
        var doc = Parse(response.Body);
        Assert.Equal("APIGroupDiscoveryList", doc["kind"]!.GetValue<string>());
        Assert.Equal(apiVersion, doc["apiVersion"]!.GetValue<string>());
        Assert.DoesNotContain(doc["items"]!.AsArray(), i => i!["metadata"]!["name"] is null);
    }

    [Fact]
    public void AggregatedJson_EveryCatalogResource_HasScopeResponseKindAndSubresources()
    {
        var resources = new[] { true, false }
            .SelectMany(core => Parse(Docs.AggregatedJson(DiscoveryFormat.AggregatedV2, core))["items"]!.AsArray())
            .SelectMany(item => item!["versions"]!.AsArray().Select(v => (Item: item!, Version: v!)))
            .SelectMany(x => x.Version["resources"]!.AsArray().Select(r => (Group: x.Item["metadata"]!["name"]?.GetValue<string>() ?? "", Version: x.Version, Resource: r!.AsObject())))
            .ToList();

        foreach (var r in ResourceCatalog.Default.All)
        {
            var (_, version, entry) = resources.Single(x => x.Group == r.Group && x.Version["version"]!.GetValue<string>() == r.Version && x.Resource["resource"]!.GetValue<string>() == r.Plural);
            Assert.Equal("Current", version["freshness"]!.GetValue<string>());
            Assert.Equal(r.Namespaced ? "Namespaced" : "Cluster", entry["scope"]!.GetValue<string>());
            Assert.Equal(r.Kind, entry["responseKind"]!["kind"]!.GetValue<string>());
            Assert.Equal(r.Group, entry["responseKind"]!["group"]!.GetValue<string>());
            Assert.Equal(r.Singular, entry["singularResource"]!.GetValue<string>());
            var subresources = entry["subresources"]?.AsArray().Select(s => s!["subresource"]!.GetValue<string>()).ToArray() ?? [];
            Assert.Equal(r.Subresources.Order(StringComparer.Ordinal), subresources);
        }

        var scale = resources.Single(x => x.Resource["resource"]!.GetValue<string>() == "deployments").Resource["subresources"]!.AsArray()
            .Single(s => s!["subresource"]!.GetValue<string>() == "scale")!;
        Assert.Equal("autoscaling", scale["responseKind"]!["group"]!.GetValue<string>());
        Assert.Equal("Scale", scale["responseKind"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void AggregatedJson_Api_HoldsOnlyTheCoreGroup()
    {
        var items = Parse(Docs.AggregatedJson(DiscoveryFormat.AggregatedV2Beta1, core: true))["items"]!.AsArray();
        var item = Assert.Single(items);
        Assert.Null(item!["metadata"]!["name"]);
        Assert.Equal("v1", item["versions"]![0]!["version"]!.GetValue<string>());
    }

    [Fact]
    public void AggregatedJson_Legacy_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Docs.AggregatedJson(DiscoveryFormat.Legacy, core: true));
}
