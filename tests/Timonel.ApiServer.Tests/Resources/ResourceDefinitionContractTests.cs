using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.ApiServer.Tests.Resources;

/// <summary>
/// What every resource definition must give, checked over the real HTTP surface for each
/// definition of the catalog: a discovery entry, an OpenAPI v3 schema of its kind, a Table,
/// the metadata field selectors, and a create that reads back as written.
/// </summary>
public class ResourceDefinitionContractTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public static TheoryData<string, string> Definitions()
    {
        var data = new TheoryData<string, string>();
        foreach (var d in ResourceCatalog.Default.Definitions)
        {
            data.Add(d.Group, d.Plural);
        }

        return data;
    }

    /// <summary>The definitions whose objects are stored: reviews, bindings and componentstatuses have no CRUD, lists or OpenAPI paths (their own tests cover them).</summary>
    public static TheoryData<string, string> StoredDefinitions()
    {
        var data = new TheoryData<string, string>();
        foreach (var d in ResourceCatalog.Default.Definitions.Where(d => d.IsStored))
        {
            data.Add(d.Group, d.Plural);
        }

        return data;
    }

    [Fact]
    public void Definitions_ServerCatalog_IsWhatTheTheoriesCover()
    {
        var served = fx.Host.Catalog.Definitions.Select(d => d.GroupResource).ToList();

        Assert.Equal(ResourceCatalog.Default.Definitions.Select(d => d.GroupResource), served);
    }

    [Theory]
    [MemberData(nameof(Definitions))]
    public async Task Discovery_EveryDefinition_ListsItsKindAndScope(string group, string plural)
    {
        var d = Definition(group, plural);
        var list = await fx.Client.GetAsync(GroupVersionPath(d));

        ApiAssert.Code(200, list);
        var entry = Assert.Single(list.Object["resources"]!.AsArray(), e => ApiResponse.Str(e!["name"]) == plural)!;
        Assert.Equal(d.Kind, ApiResponse.Str(entry["kind"]));
        Assert.Equal(d.Namespaced, entry["namespaced"]!.GetValue<bool>());
        Assert.Equal(d.ShortNames, (entry["shortNames"] as JsonArray)?.Select(n => n!.GetValue<string>()) ?? []);
        foreach (var sub in d.SubresourceNames)
        {
            Assert.Contains(list.Object["resources"]!.AsArray(), e => ApiResponse.Str(e!["name"]) == $"{plural}/{sub}");
        }
    }

    [Theory]
    [MemberData(nameof(StoredDefinitions))]
    public async Task OpenApiV3_EveryDefinition_HasASchemaOfItsKindAndItsPaths(string group, string plural)
    {
        var d = Definition(group, plural);
        var doc = await fx.Client.GetAsync("/openapi/v3/" + GroupVersionPath(d).TrimStart('/'));

        ApiAssert.Code(200, doc);
        var schemas = doc.Object["components"]!["schemas"]!.AsObject();
        Assert.Contains(schemas, s => s.Value!["x-kubernetes-group-version-kind"] is JsonArray gvks
            && gvks.Any(g => ApiResponse.Str(g!["group"]) == group && ApiResponse.Str(g["version"]) == d.StorageVersion && ApiResponse.Str(g["kind"]) == d.Kind));
        Assert.True(doc.Object["paths"]!.AsObject().ContainsKey(CollectionPath(d, "{namespace}")), $"no path for {d.GroupResource}");
    }

    [Theory]
    [MemberData(nameof(StoredDefinitions))]
    public async Task Table_EveryDefinition_AnswersWithColumns(string group, string plural)
    {
        var d = Definition(group, plural);
        var ns = await fx.NamespaceAsync("table");

        var table = await fx.Client.GetAsync(CollectionPath(d, ns), TableAccept);

        ApiAssert.Code(200, table);
        Assert.Equal("Table", table.Kind);
        var columns = table.Object["columnDefinitions"]!.AsArray();
        // Upstream's event tables lead with LAST SEEN; every table has a NAME.
        Assert.Contains(columns, c => ApiResponse.Str(c!["name"]) == "Name");
    }

    [Theory]
    [MemberData(nameof(StoredDefinitions))]
    public async Task FieldSelector_MetadataFields_AreAccepted(string group, string plural)
    {
        var d = Definition(group, plural);
        var ns = await fx.NamespaceAsync("fields");
        // Upstream's nodes and namespaces accept metadata.name but not metadata.namespace.
        var selector = d.Namespaced ? $"metadata.name=nothing,metadata.namespace={ns}" : "metadata.name=nothing";

        var list = await fx.Client.GetAsync($"{CollectionPath(d, ns)}?fieldSelector={Uri.EscapeDataString(selector)}");

        ApiAssert.Code(200, list);
        Assert.Empty(list.Object["items"]!.AsArray());
    }

    [Theory]
    [MemberData(nameof(StoredDefinitions))]
    public async Task Create_EveryDefinition_ReadsBackAsWrittenAndDeletes(string group, string plural)
    {
        var d = Definition(group, plural);
        var ns = await fx.NamespaceAsync("create");
        var body = ResourceSamples.For(d.GroupResource, ns);
        Assert.True(body is not null, $"ResourceSamples has no sample for {d.GroupResource}: add one");
        // A kind whose names follow its content (APIService, IPAddress) names its sample itself.
        var name = ApiResponse.Str(body["metadata"]?["name"]) ?? $"contract-{ns}";
        body["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["contract"] = "yes" } };
        var collection = CollectionPath(d, ns);

        var created = await fx.Client.PostAsync(collection, body);

        ApiAssert.Code(201, created);
        var read = await fx.Client.GetAsync($"{collection}/{name}");
        ApiAssert.Code(200, read);
        Assert.Equal(d.Kind, read.Kind);
        Assert.Equal(group.Length == 0 ? d.StorageVersion : $"{group}/{d.StorageVersion}", ApiResponse.Str(read.Object["apiVersion"]));
        Assert.Equal("yes", ApiResponse.Str(read.Object["metadata"]!["labels"]!["contract"]));
        Assert.Equal(created.Object["metadata"]!["uid"]!.GetValue<string>(), ApiResponse.Str(read.Object["metadata"]!["uid"]));
        var listed = await fx.Client.GetAsync($"{collection}?labelSelector=contract%3Dyes&fieldSelector=metadata.name%3D{name}");
        Assert.Single(listed.Object["items"]!.AsArray());

        var deleted = await fx.Client.DeleteAsync($"{collection}/{name}");

        ApiAssert.Code(200, deleted);
    }

    private ResourceDefinition Definition(string group, string plural) =>
        fx.Host.Catalog.Definitions.Single(d => d.Group == group && d.Plural == plural);

    private static string GroupVersionPath(ResourceDefinition d) =>
        d.Group.Length == 0 ? $"/api/{d.StorageVersion}" : $"/apis/{d.Group}/{d.StorageVersion}";

    private static string CollectionPath(ResourceDefinition d, string ns) =>
        d.Namespaced ? $"{GroupVersionPath(d)}/namespaces/{ns}/{d.Plural}" : $"{GroupVersionPath(d)}/{d.Plural}";
}
