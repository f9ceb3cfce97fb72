using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.CustomResources;

/// <summary>Custom resources served from an Established CRD: REST verbs, selectors, watch, status, scale, tables and discovery.</summary>
public sealed class CustomResourceServingTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    private static int _groups;

    private static string NewGroup() => $"g{Interlocked.Increment(ref _groups)}.serving.example.com";

    private async Task<(string Group, string Path)> WidgetsAsync(string scope = "Namespaced")
    {
        var group = NewGroup();
        var crd = await Crds.EstablishAsync(fx.Client, Crds.Crd(group, "widgets", "Widget", scope, ["wd"], ["all"]));
        Assert.Equal("InitialNamesAccepted", Crds.Condition(crd, "Established")!["reason"]!.GetValue<string>());
        Assert.Equal("NoConflicts", Crds.Condition(crd, "NamesAccepted")!["reason"]!.GetValue<string>());
        if (scope == "Cluster")
        {
            return (group, $"/apis/{group}/v1/widgets");
        }

        var ns = await fx.NamespaceAsync("cr");
        return (group, $"/apis/{group}/v1/namespaces/{ns}/widgets");
    }

    [Fact]
    public async Task Established_ResourceIsInDiscoveryWithNamesAndSubresources()
    {
        var (group, _) = await WidgetsAsync();

        var discovery = await fx.Client.GetAsync($"/apis/{group}/v1");

        ApiAssert.Code(200, discovery);
        var resources = discovery.Object["resources"]!.AsArray().OfType<JsonObject>().ToList();
        var widgets = resources.Single(r => r["name"]!.GetValue<string>() == "widgets");
        Assert.Equal("Widget", widgets["kind"]!.GetValue<string>());
        Assert.True(widgets["namespaced"]!.GetValue<bool>());
        Assert.Equal("[\"wd\"]", widgets["shortNames"]!.ToJsonString());
        Assert.Equal("[\"all\"]", widgets["categories"]!.ToJsonString());
        Assert.Contains(resources, r => r["name"]!.GetValue<string>() == "widgets/status");
        Assert.Contains(resources, r => r["name"]!.GetValue<string>() == "widgets/scale");
        var groups = await fx.Client.GetAsync("/apis");
        Assert.Contains(group, groups.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Established_OpenApiV3AndV2CarryTheCrdSchema()
    {
        var (group, _) = await WidgetsAsync();
        var reversed = string.Join('.', group.Split('.').Reverse());

        var index = await fx.Client.GetAsync("/openapi/v3");
        var url = index.Object["paths"]![$"apis/{group}/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var document = await fx.Client.GetAsync(url);
        var v2 = await fx.Client.GetAsync("/openapi/v2");

        ApiAssert.Code(200, document);
        var schema = document.Object["components"]!["schemas"]![$"{reversed}.v1.Widget"]!.AsObject();
        Assert.True(schema["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
        Assert.Equal("Widget", schema["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.NotNull(document.Object["components"]!["schemas"]!["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
        Assert.NotNull(document.Object["paths"]![$"/apis/{group}/v1/namespaces/{{namespace}}/widgets/{{name}}"]);
        Assert.NotNull(v2.Object["definitions"]![$"{reversed}.v1.WidgetList"]);
    }

    [Fact]
    public async Task Crud_CreateGetListUpdatePatchDelete_KeepsUnknownFields()
    {
        var (group, path) = await WidgetsAsync();

        var created = await fx.Client.PostAsync(path, Crds.Widget(group, "one"));
        ApiAssert.Code(201, created);
        Assert.True(created.Object["spec"]!["anything"]!["kept"]!.GetValue<bool>());
        Assert.Equal(1, (int?)created.Object["metadata"]!["generation"]);
        Assert.NotNull(created.Object["metadata"]!["uid"]);

        var got = await fx.Client.GetAsync($"{path}/one");
        ApiAssert.Code(200, got);
        Assert.Equal($"{group}/v1", got.Object["apiVersion"]!.GetValue<string>());

        var list = await fx.Client.GetAsync(path);
        Assert.Equal("WidgetList", list.Kind);
        Assert.Single(list.Object["items"]!.AsArray());

        var updated = got.Object;
        updated["spec"]!["size"] = 7;
        var put = await fx.Client.PutAsync($"{path}/one", updated);
        ApiAssert.Code(200, put);
        Assert.Equal(7, (int?)put.Object["spec"]!["size"]);
        Assert.Equal(2, (int?)put.Object["metadata"]!["generation"]);

        var merged = await fx.Client.PatchAsync($"{path}/one", "{\"spec\":{\"color\":\"red\"}}", ApiClient.MergePatch);
        ApiAssert.Code(200, merged);
        Assert.Equal("red", merged.Object["spec"]!["color"]!.GetValue<string>());
        var patched = await fx.Client.PatchAsync($"{path}/one", "[{\"op\":\"replace\",\"path\":\"/spec/size\",\"value\":9}]", ApiClient.JsonPatch);
        ApiAssert.Code(200, patched);
        Assert.Equal(9, (int?)patched.Object["spec"]!["size"]);

        ApiAssert.Code(200, await fx.Client.DeleteAsync($"{path}/one"));
        ApiAssert.Code(404, await fx.Client.GetAsync($"{path}/one"));
    }

    [Fact]
    public async Task Patch_StrategicMerge_Returns415AndWritesNothing()
    {
        var (group, path) = await WidgetsAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "smp")));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/smp", "{\"spec\":{\"size\":1}}", ApiClient.StrategicPatch));

        ApiAssert.Failure(response, 415, "UnsupportedMediaType", "accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        Assert.Equal(3, (int?)(await fx.Client.GetAsync($"{path}/smp")).Object["spec"]!["size"]);
    }

    [Fact]
    public async Task Create_WrongKind_Returns400AndWritesNothing()
    {
        var (group, path) = await WidgetsAsync();
        var body = Crds.Widget(group, "wrong");
        body["kind"] = "Gadget";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(path, body));

        ApiAssert.Failure(response, 400, "BadRequest", "Gadget");
        ApiAssert.Code(404, await fx.Client.GetAsync($"{path}/wrong"));
    }

    [Fact]
    public async Task List_LabelAndFieldSelectors_Filter()
    {
        var (group, path) = await WidgetsAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "a")));
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "b")));

        var byLabel = await fx.Client.GetAsync($"{path}?labelSelector=app%3Da");
        var byField = await fx.Client.GetAsync($"{path}?fieldSelector=metadata.name%3Db");
        var badField = await fx.Client.GetAsync($"{path}?fieldSelector=spec.size%3D3");

        Assert.Equal("a", Assert.Single(byLabel.Object["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("b", Assert.Single(byField.Object["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());
        ApiAssert.Code(400, badField);
    }

    [Fact]
    public async Task DeleteCollection_WithLabelSelector_DeletesOnlyMatching()
    {
        var (group, path) = await WidgetsAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "keep")));
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "drop")));

        ApiAssert.Code(200, await fx.Client.DeleteAsync($"{path}?labelSelector=app%3Ddrop"));

        ApiAssert.Code(404, await fx.Client.GetAsync($"{path}/drop"));
        ApiAssert.Code(200, await fx.Client.GetAsync($"{path}/keep"));
    }

    [Fact]
    public async Task ClusterScoped_ServedWithoutNamespace_AndNotInsideOne()
    {
        var (group, path) = await WidgetsAsync("Cluster");

        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "global")));

        Assert.Null((await fx.Client.GetAsync($"{path}/global")).Object["metadata"]!["namespace"]);
        ApiAssert.Code(404, await fx.Client.GetAsync($"/apis/{group}/v1/namespaces/default/widgets/global"));
    }

    [Fact]
    public async Task Watch_SeesAddedModifiedDeleted()
    {
        var (group, path) = await WidgetsAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var watch = await fx.Client.WatchAsync($"{path}?watch=true", cts.Token);

        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "w")));
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/w", "{\"spec\":{\"size\":4}}", ApiClient.MergePatch));
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"{path}/w"));

        var types = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var e = await watch.NextAsync(TimeSpan.FromSeconds(10));
            types.Add(e!["type"]!.GetValue<string>());
        }

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], types);
    }

    [Fact]
    public async Task Status_MainResourceIgnoresStatus_StatusSubresourceIgnoresSpec()
    {
        var (group, path) = await WidgetsAsync();
        var body = Crds.Widget(group, "s");
        body["status"] = new JsonObject { ["replicas"] = 5 };

        var created = await fx.Client.PostAsync(path, body);
        Assert.Null(created.Object["status"]);

        var withStatus = created.Object;
        withStatus["status"] = new JsonObject { ["replicas"] = 2 };
        withStatus["spec"]!["size"] = 100;
        withStatus["metadata"]!["labels"]!["extra"] = "x";
        var statusPut = await fx.Client.PutAsync($"{path}/s/status", withStatus);
        ApiAssert.Code(200, statusPut);
        Assert.Equal(2, (int?)statusPut.Object["status"]!["replicas"]);
        Assert.Equal(3, (int?)statusPut.Object["spec"]!["size"]);
        Assert.Null(statusPut.Object["metadata"]!["labels"]!["extra"]);
        Assert.Equal(1, (int?)statusPut.Object["metadata"]!["generation"]);

        var main = statusPut.Object;
        main["status"] = new JsonObject { ["replicas"] = 9 };
        var mainPut = await fx.Client.PutAsync($"{path}/s", main);
        ApiAssert.Code(200, mainPut);
        Assert.Equal(2, (int?)mainPut.Object["status"]!["replicas"]);
        Assert.Equal(1, (int?)mainPut.Object["metadata"]!["generation"]);
    }

    [Fact]
    public async Task Scale_GetAndPatch_UseTheCrdPaths()
    {
        var (group, path) = await WidgetsAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "sc", replicas: 2)));
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/sc/status", "{\"status\":{\"replicas\":1,\"selector\":\"app=sc\"}}", ApiClient.MergePatch));

        var scale = await fx.Client.GetAsync($"{path}/sc/scale");
        ApiAssert.Code(200, scale);
        Assert.Equal("Scale", scale.Kind);
        Assert.Equal(2, (int?)scale.Object["spec"]!["replicas"]);
        Assert.Equal(1, (int?)scale.Object["status"]!["replicas"]);
        Assert.Equal("app=sc", scale.Object["status"]!["selector"]!.GetValue<string>());

        var patched = await fx.Client.PatchAsync($"{path}/sc/scale", "{\"spec\":{\"replicas\":5}}", ApiClient.MergePatch);
        ApiAssert.Code(200, patched);
        Assert.Equal(5, (int?)(await fx.Client.GetAsync($"{path}/sc")).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task Table_HasNameAndPrinterColumnsWithPriority()
    {
        var (group, path) = await WidgetsAsync();
        ApiAssert.Code(201, await fx.Client.PostAsync(path, Crds.Widget(group, "t", size: 4)));
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/t/status", "{\"status\":{\"conditions\":[{\"type\":\"Other\",\"status\":\"False\"},{\"type\":\"Ready\",\"status\":\"True\"}]}}", ApiClient.MergePatch));

        var table = await fx.Client.GetAsync(path, TableAccept);

        ApiAssert.Code(200, table);
        var columns = table.Object["columnDefinitions"]!.AsArray().Select(c => (c!["name"]!.GetValue<string>(), (int)c["priority"]!)).ToList();
        Assert.Equal([("Name", 0), ("Size", 0), ("Ready", 1), ("Age", 0)], columns);
        var cells = table.Object["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("t", cells[0]!.GetValue<string>());
        Assert.Equal(4, (int)cells[1]!);
        Assert.Equal("True", cells[2]!.GetValue<string>());
        Assert.EndsWith("s", cells[3]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrdUpdate_AddVersionThenStopServing_TakesEffect()
    {
        var group = NewGroup();
        var crd = await Crds.EstablishAsync(fx.Client, Crds.Crd(group, "widgets", "Widget", "Cluster"));
        ApiAssert.Code(404, await fx.Client.GetAsync($"/apis/{group}/v2/widgets"));

        crd["spec"]!["versions"]!.AsArray().Add(Crds.Version("v2", storage: false));
        ApiAssert.Code(200, await fx.Client.PutAsync($"{Crds.Path}/widgets.{group}", crd));
        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"/apis/{group}/v2/widgets")).Code == 200, TimeSpan.FromSeconds(10), "v2 served");

        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/{group}/v1/widgets", Crds.Widget(group, "both")));
        var viaV2 = await fx.Client.GetAsync($"/apis/{group}/v2/widgets/both");
        Assert.Equal($"{group}/v2", viaV2.Object["apiVersion"]!.GetValue<string>());

        crd = (await fx.Client.GetAsync($"{Crds.Path}/widgets.{group}")).Object;
        crd["spec"]!["versions"]![1]!["served"] = false;
        ApiAssert.Code(200, await fx.Client.PutAsync($"{Crds.Path}/widgets.{group}", crd));
        await Eventually.WaitAsync(async _ => (await fx.Client.GetAsync($"/apis/{group}/v2/widgets")).Code == 404, TimeSpan.FromSeconds(10), "v2 no longer served");
    }
}
