using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Server-side apply (application/apply-patch+yaml) and the managedFields every write keeps.</summary>
public sealed class ServerSideApplyTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Apply = "application/apply-patch+yaml";

    private static string Deployment(string name, int replicas, string image = "nginx:1", string extra = "") => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: web
                image: {image}
        {extra}
        """;

    private async Task<string> PathAsync(string name)
    {
        var ns = await fx.NamespaceAsync("ssa");
        return $"/apis/apps/v1/namespaces/{ns}/deployments/{name}";
    }

    private static JsonArray Managed(JsonObject obj) => (JsonArray)obj["metadata"]!["managedFields"]!;

    private static JsonObject Entry(JsonObject obj, string manager) =>
        (JsonObject)Managed(obj).Single(m => ApiResponse.Str(m!["manager"]) == manager)!;

    [Fact]
    public async Task Apply_AbsentObject_Creates201WithApplyEntry()
    {
        var path = await PathAsync("create");

        var response = await fx.Client.PatchAsync(path + "?fieldManager=tester", Deployment("create", 2), Apply);

        ApiAssert.Code(201, response);
        var entry = Entry(response.Object, "tester");
        Assert.Equal("Apply", ApiResponse.Str(entry["operation"]));
        Assert.Equal("apps/v1", ApiResponse.Str(entry["apiVersion"]));
        Assert.Equal("FieldsV1", ApiResponse.Str(entry["fieldsType"]));
        Assert.NotNull(entry["time"]);
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:selector"]);
        Assert.Equal(2, (await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Apply_Again_ChangesTheObject()
    {
        var path = await PathAsync("again");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=tester", Deployment("again", 2), Apply));

        var response = await fx.Client.PatchAsync(path + "?fieldManager=tester", Deployment("again", 3, "nginx:2"), Apply);

        ApiAssert.Code(200, response);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal(3, stored["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("nginx:2", ApiResponse.Str(stored["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]));
        Assert.Single(Managed(stored));
    }

    [Fact]
    public async Task Apply_SecondManagerChangesOwnedField_409WithCauses_NothingWritten()
    {
        var path = await PathAsync("conflict");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=first", Deployment("conflict", 2), Apply));

        var response = await fx.Client.PatchAsync(path + "?fieldManager=second", Deployment("conflict", 5, "nginx:9"), Apply);

        ApiAssert.Code(409, response);
        Assert.Equal("Conflict", response.Reason);
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"first\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image", response.Message);
        var causes = (JsonArray)response.Object["details"]!["causes"]!;
        Assert.Equal(2, causes.Count);
        Assert.Equal("FieldManagerConflict", ApiResponse.Str(causes[0]!["reason"]));
        Assert.Equal("conflict with \"first\"", ApiResponse.Str(causes[0]!["message"]));
        Assert.Equal(".spec.replicas", ApiResponse.Str(causes[0]!["field"]));
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal(2, stored["spec"]!["replicas"]!.GetValue<int>());
        Assert.Single(Managed(stored));
    }

    [Fact]
    public async Task Apply_ForceTrue_TakesOwnership()
    {
        var path = await PathAsync("force");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=first", Deployment("force", 2), Apply));

        var response = await fx.Client.PatchAsync(path + "?fieldManager=second&force=true", Deployment("force", 5), Apply);

        ApiAssert.Code(200, response);
        Assert.Equal(5, response.Object["spec"]!["replicas"]!.GetValue<int>());
        Assert.Null(Entry(response.Object, "first")["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.NotNull(Entry(response.Object, "second")["fieldsV1"]!["f:spec"]!["f:replicas"]);
    }

    [Fact]
    public async Task Apply_UpdateManagerChangedField_ConflictNamesItsVersion()
    {
        var path = await PathAsync("scaled");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=kubectl", Deployment("scaled", 2), Apply));
        ApiAssert.Code(200, await fx.Client.PatchAsync(path + "?fieldManager=scaler", """{"spec":{"replicas":7}}""", ApiClient.MergePatch));

        var response = await fx.Client.PatchAsync(path + "?fieldManager=kubectl", Deployment("scaled", 3), Apply);

        ApiAssert.Code(409, response);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"scaler\" using apps/v1: .spec.replicas", response.Message);
        Assert.Equal(7, (await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Apply_FieldNoLongerApplied_IsRemoved()
    {
        var path = await PathAsync("removal");
        const string Paused = "  paused: true";
        var withPaused = Deployment("removal", 2).Replace("  replicas: 2", "  replicas: 2\n" + Paused, StringComparison.Ordinal);
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=tester", withPaused, Apply));
        Assert.True((await fx.Client.GetAsync(path)).Object["spec"]!["paused"]!.GetValue<bool>());

        ApiAssert.Code(200, await fx.Client.PatchAsync(path + "?fieldManager=tester", Deployment("removal", 2), Apply));

        Assert.Null((await fx.Client.GetAsync(path)).Object["spec"]!["paused"]);
    }

    [Fact]
    public async Task Apply_StatusSubresource_RecordsSubresourceEntry()
    {
        var path = await PathAsync("status");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=tester", Deployment("status", 1), Apply));
        const string Status = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"status"},"status":{"observedGeneration":1}}""";

        var response = await fx.Client.PatchAsync(path + "/status?fieldManager=statusman", Status, Apply);

        ApiAssert.Code(200, response);
        var entry = Entry(response.Object, "statusman");
        Assert.Equal("status", ApiResponse.Str(entry["subresource"]));
        Assert.NotNull(entry["fieldsV1"]!["f:status"]!["f:observedGeneration"]);
        Assert.Null(entry["fieldsV1"]!["f:spec"]);
        Assert.Equal(1, (await fx.Client.GetAsync(path)).Object["status"]!["observedGeneration"]!.GetValue<int>());
    }

    [Fact]
    public async Task Apply_WithoutFieldManager_422_NothingCreated()
    {
        var path = await PathAsync("nomanager");

        var response = await fx.Client.PatchAsync(path, Deployment("nomanager", 1), Apply);

        ApiAssert.Code(422, response);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", response.Message);
        ApiAssert.Code(404, await fx.Client.GetAsync(path));
    }

    [Fact]
    public async Task Apply_WrongKindOrManagedFields_400_NothingCreated()
    {
        var path = await PathAsync("wrongkind");

        var wrongKind = await fx.Client.PatchAsync(path + "?fieldManager=t", Deployment("wrongkind", 1).Replace("kind: Deployment", "kind: StatefulSet", StringComparison.Ordinal), Apply);
        var withManaged = await fx.Client.PatchAsync(path + "?fieldManager=t", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"wrongkind","managedFields":[{"manager":"x"}]}}""", Apply);
        var missingKey = await fx.Client.PatchAsync(path + "?fieldManager=t", Deployment("wrongkind", 1).Replace("- name: web", "- nom: web", StringComparison.Ordinal), Apply);

        ApiAssert.Code(400, wrongKind);
        Assert.Equal("invalid object type: apps/v1, Kind=StatefulSet", wrongKind.Message);
        ApiAssert.Code(400, withManaged);
        Assert.Equal("metadata.managedFields must be nil", withManaged.Message);
        ApiAssert.Code(400, missingKey);
        Assert.Contains("omits key field \"name\"", missingKey.Message, StringComparison.Ordinal);
        ApiAssert.Code(404, await fx.Client.GetAsync(path));
    }

    [Fact]
    public async Task Apply_DryRun_WritesNothing()
    {
        var path = await PathAsync("dryrun");

        var response = await fx.Client.PatchAsync(path + "?fieldManager=t&dryRun=All", Deployment("dryrun", 1), Apply);

        ApiAssert.Code(201, response);
        Assert.NotNull(Entry(response.Object, "t"));
        ApiAssert.Code(404, await fx.Client.GetAsync(path));
    }

    [Fact]
    public async Task Force_OnNonApplyPatch_422()
    {
        var path = await PathAsync("forcemerge");
        ApiAssert.Code(201, await fx.Client.PatchAsync(path + "?fieldManager=t", Deployment("forcemerge", 1), Apply));

        var response = await fx.Client.PatchAsync(path + "?force=true", """{"spec":{"replicas":4}}""", ApiClient.MergePatch);

        ApiAssert.Code(422, response);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch", response.Message);
        Assert.Equal(1, (await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task Writes_PostPutPatch_RecordUpdateEntriesForTheirManagers()
    {
        var ns = await fx.NamespaceAsync("ssa-mf");
        var prefix = $"/api/v1/namespaces/{ns}/configmaps";
        var created = await fx.Client.SendWithHeadersAsync(HttpMethod.Post, prefix, TestObjects.ConfigMap("cm").ToJsonString(), "application/json", ("User-Agent", "kubectl-create/v1.33.0 (linux/amd64) kubernetes/abc"));
        ApiAssert.Code(201, created);
        var put = (JsonObject)created.Object.DeepClone();
        put["data"]!["other"] = "x";
        var replaced = await fx.Client.PutAsync($"{prefix}/cm?fieldManager=replacer", put);
        var patched = await fx.Client.PatchAsync($"{prefix}/cm?fieldManager=patcher", """{"metadata":{"labels":{"a":"b"}}}""", ApiClient.MergePatch);

        Assert.Equal("Update", ApiResponse.Str(Entry(created.Object, "kubectl-create")["operation"]));
        ApiAssert.Code(200, replaced);
        Assert.NotNull(Entry(replaced.Object, "replacer")["fieldsV1"]!["f:data"]!["f:other"]);
        ApiAssert.Code(200, patched);
        var stored = (await fx.Client.GetAsync($"{prefix}/cm")).Object;
        Assert.Equal(3, Managed(stored).Count);
        Assert.NotNull(Entry(stored, "patcher")["fieldsV1"]!["f:metadata"]!["f:labels"]!["f:a"]);
        Assert.NotNull(Entry(stored, "kubectl-create")["fieldsV1"]!["f:data"]!["f:key"]);
    }

    [Fact]
    public async Task Patch_ManagedFieldsEmptyEntry_ResetsThem_AndBadOperationIs422()
    {
        var ns = await fx.NamespaceAsync("ssa-reset");
        var path = $"/api/v1/namespaces/{ns}/configmaps/cm";
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps?fieldManager=maker", TestObjects.ConfigMap("cm")));
        Assert.NotNull((await fx.Client.GetAsync(path)).Object["metadata"]!["managedFields"]);

        var bad = await fx.Client.PatchAsync(path, """{"metadata":{"managedFields":[{"manager":"x","operation":"Sideways","fieldsType":"FieldsV1","fieldsV1":{}}]}}""", ApiClient.MergePatch);
        var reset = await fx.Client.PatchAsync(path, """{"metadata":{"managedFields":[{}]}}""", ApiClient.MergePatch);

        ApiAssert.Code(422, bad);
        Assert.Contains("metadata.managedFields[0].operation: Invalid value: \"Sideways\": must be `Apply` or `Update`", bad.Message, StringComparison.Ordinal);
        ApiAssert.Code(200, reset);
        Assert.Null((await fx.Client.GetAsync(path)).Object["metadata"]!["managedFields"]);
    }
}
