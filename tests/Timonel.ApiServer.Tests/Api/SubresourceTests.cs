using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>scale, binding, eviction and finalize subresources, and Table output.</summary>
public sealed class SubresourceTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

    private async Task<string> DeploymentAsync(int replicas = 1)
    {
        var ns = await fx.NamespaceAsync("sub");
        Assert.Equal(201, (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment("web", replicas))).Code);
        return $"/apis/apps/v1/namespaces/{ns}/deployments/web";
    }

    [Fact]
    public async Task GetScale_ReturnsScaleOfDeployment()
    {
        var path = await DeploymentAsync(3);

        var scale = await fx.Client.GetAsync($"{path}/scale");

        Assert.Equal(200, scale.Code);
        Assert.Equal("Scale", scale.Kind);
        Assert.Equal("autoscaling/v1", ApiResponse.Str(scale.Object["apiVersion"]));
        Assert.Equal("web", scale.Name);
        Assert.Equal(3, (int?)scale.Object["spec"]!["replicas"]);
        Assert.Equal("app=web", ApiResponse.Str(scale.Object["status"]!["selector"]));
        Assert.Equal((await fx.Client.GetAsync(path)).ResourceVersion, scale.ResourceVersion);
    }

    [Fact]
    public async Task PutScale_ChangesReplicasAndGeneration()
    {
        var path = await DeploymentAsync();
        var scale = (await fx.Client.GetAsync($"{path}/scale")).Object;
        scale["spec"]!["replicas"] = 5;

        var response = await fx.Client.PutAsync($"{path}/scale", scale);

        Assert.Equal(200, response.Code);
        Assert.Equal("Scale", response.Kind);
        Assert.Equal(5, (int?)response.Object["spec"]!["replicas"]);
        var deployment = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal(5, (int?)deployment["spec"]!["replicas"]);
        Assert.Equal(2, (long?)deployment["metadata"]!["generation"]);
    }

    [Fact]
    public async Task PatchScale_ChangesReplicas()
    {
        var path = await DeploymentAsync();

        var response = await fx.Client.PatchAsync($"{path}/scale", "{\"spec\":{\"replicas\":2}}", ApiClient.MergePatch);

        Assert.Equal(200, response.Code);
        Assert.Equal(2, (int?)response.Object["spec"]!["replicas"]);
        Assert.Equal(2, (int?)(await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task PatchScale_ConcurrentStatusWrites_AllPatchesLand()
    {
        var path = await DeploymentAsync();

        // A patch without a resourceVersion is reapplied when another writer wins, as kubectl scale expects.
        var writes = Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? fx.Client.PatchAsync($"{path}/scale", $"{{\"spec\":{{\"replicas\":{i + 2}}}}}", ApiClient.MergePatch)
            : fx.Client.PatchAsync($"{path}/status", $"{{\"status\":{{\"observedGeneration\":{i}}}}}", ApiClient.MergePatch));
        var responses = await Task.WhenAll(writes);

        Assert.All(responses, r => Assert.Equal(200, r.Code));
    }

    [Fact]
    public async Task PatchScale_StaleResourceVersionInPatch_Is409()
    {
        var path = await DeploymentAsync();
        var stale = (await fx.Client.GetAsync(path)).ResourceVersion;
        Assert.Equal(200, (await fx.Client.PatchAsync(path, "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", ApiClient.MergePatch)).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/scale", $"{{\"metadata\":{{\"resourceVersion\":\"{stale}\"}},\"spec\":{{\"replicas\":3}}}}", ApiClient.MergePatch));

        ApiAssert.Failure(response, 409, "Conflict");
    }

    [Fact]
    public async Task PutScale_NegativeReplicas_Is422()
    {
        var path = await DeploymentAsync();
        var scale = (await fx.Client.GetAsync($"{path}/scale")).Object;
        scale["spec"]!["replicas"] = -1;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{path}/scale", scale));

        ApiAssert.Failure(response, 422, "Invalid", "spec.replicas");
        Assert.Equal(1, (int?)(await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task PutScale_WithoutReplicas_ScalesToZero()
    {
        var path = await DeploymentAsync(replicas: 2);
        var scale = (await fx.Client.GetAsync($"{path}/scale")).Object;
        scale["spec"]!.AsObject().Remove("replicas");

        var response = await fx.Client.PutAsync($"{path}/scale", scale);

        ApiAssert.Code(200, response);
        Assert.Equal(0, (int?)(await fx.Client.GetAsync(path)).Object["spec"]!["replicas"]);
    }

    [Fact]
    public async Task PutScale_StaleResourceVersion_Is409()
    {
        var path = await DeploymentAsync();
        var scale = (await fx.Client.GetAsync($"{path}/scale")).Object;
        Assert.Equal(200, (await fx.Client.PatchAsync(path, "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", ApiClient.MergePatch)).Code);
        scale["spec"]!["replicas"] = 4;

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{path}/scale", scale));

        ApiAssert.Failure(response, 409, "Conflict");
    }

    [Fact]
    public async Task PutScale_NonIntegerReplicas_Is400()
    {
        var path = await DeploymentAsync();

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{path}/scale", new JsonObject { ["spec"] = new JsonObject { ["replicas"] = "many" } }));

        ApiAssert.Failure(response, 400, "BadRequest", "replicas");
    }

    [Fact]
    public async Task GetScale_MissingDeployment_Is404()
    {
        var ns = await fx.NamespaceAsync("sub");

        var response = await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/ghost/scale");

        ApiAssert.Failure(response, 404, "NotFound", "ghost");
    }

    [Fact]
    public async Task Binding_SetsNodeNameOnceThenConflicts()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("p"))).Code);

        var bound = await fx.Client.PostAsync($"{pods}/p/binding", DeleteTests.Binding("p", "node-1"));
        var again = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/p/binding", DeleteTests.Binding("p", "node-2")));

        Assert.Equal(201, bound.Code);
        Assert.Equal("Success", ApiResponse.Str(bound.Body!["status"]));
        var pod = (await fx.Client.GetAsync($"{pods}/p")).Object;
        Assert.Equal("node-1", ApiResponse.Str(pod["spec"]!["nodeName"]));
        Assert.Contains(pod["status"]!["conditions"]!.AsArray(), c => ApiResponse.Str(c!["type"]) == "PodScheduled" && ApiResponse.Str(c["status"]) == "True");
        ApiAssert.Failure(again, 409, "Conflict", "node-1");
    }

    [Fact]
    public async Task Binding_WithoutTarget_Is422()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("p"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/p/binding", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "p" } }));

        ApiAssert.Failure(response, 422, "Invalid", "target.name");
    }

    [Fact]
    public async Task Binding_MissingPod_Is404()
    {
        var ns = await fx.NamespaceAsync("sub");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods/ghost/binding", DeleteTests.Binding("ghost", "node-1")));

        ApiAssert.Failure(response, 404, "NotFound", "pods \"ghost\" not found");
    }

    [Fact]
    public async Task Eviction_WithoutBudget_Is201AndDeletesPod()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("evict", new JsonObject { ["app"] = "x" }))).Code);

        var response = await fx.Client.PostAsync($"{pods}/evict/eviction", Eviction("evict"));

        Assert.Equal(201, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{pods}/evict")).Code);
    }

    [Fact]
    public async Task Eviction_BudgetAllowsNoDisruption_Is429()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "guarded", "db");
        var pdbs = await BudgetAsync(ns, "db-pdb", "db", "{\"disruptionsAllowed\":0,\"currentHealthy\":1,\"desiredHealthy\":1,\"expectedPods\":1}");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/guarded/eviction", Eviction("guarded")));

        ApiAssert.Failure(response, 429, "TooManyRequests");
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", response.Message);
        var cause = Assert.Single(response.Body!["details"]!["causes"]!.AsArray())!;
        Assert.Equal("DisruptionBudget", ApiResponse.Str(cause["reason"]));
        Assert.Equal("The disruption budget db-pdb needs 1 healthy pods and has 1 currently", ApiResponse.Str(cause["message"]));
        Assert.Equal(200, (await fx.Client.GetAsync($"{pods}/guarded")).Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"{pdbs}/db-pdb")).Code);
    }

    [Fact]
    public async Task Eviction_BudgetAllowsOne_FirstSpendsItSecondIs429()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "web-1", "web");
        await RunningReadyPodAsync(pods, "web-2", "web");
        var pdbs = await BudgetAsync(ns, "web-pdb", "web", "{\"disruptionsAllowed\":1,\"currentHealthy\":2,\"desiredHealthy\":1,\"expectedPods\":2}");

        var first = await fx.Client.PostAsync($"{pods}/web-1/eviction", Eviction("web-1"));

        Assert.Equal(201, first.Code);
        Assert.Equal("Success", ApiResponse.Str(first.Body?["status"]));
        Assert.Equal(404, (await fx.Client.GetAsync($"{pods}/web-1")).Code);
        var budget = (await fx.Client.GetAsync($"{pdbs}/web-pdb")).Object;
        Assert.Equal(0, (int?)budget["status"]!["disruptionsAllowed"]);
        Assert.NotNull(ApiResponse.Str(budget["status"]!["disruptedPods"]?["web-1"]));
        var condition = Assert.Single(budget["status"]!["conditions"]!.AsArray(), c => ApiResponse.Str(c!["type"]) == "DisruptionAllowed")!;
        Assert.Equal("False", ApiResponse.Str(condition["status"]));
        Assert.Equal("InsufficientPods", ApiResponse.Str(condition["reason"]));

        var second = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/web-2/eviction", Eviction("web-2")));

        ApiAssert.Failure(second, 429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
        Assert.Equal(200, (await fx.Client.GetAsync($"{pods}/web-2")).Code);
    }

    [Fact]
    public async Task Eviction_ConcurrentEvictions_SpendEachDisruptionOnce()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        for (var i = 0; i < 4; i++)
        {
            await RunningReadyPodAsync(pods, $"race-{i}", "race");
        }

        var pdbs = await BudgetAsync(ns, "race-pdb", "race", "{\"disruptionsAllowed\":2,\"currentHealthy\":4,\"desiredHealthy\":2,\"expectedPods\":4}");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fx.Client.PostAsync($"{pods}/race-{i}/eviction", Eviction($"race-{i}"))));

        Assert.Equal(2, results.Count(r => r.Code == 201));
        Assert.Equal(2, results.Count(r => r.Code == 429));
        var status = (await fx.Client.GetAsync($"{pdbs}/race-pdb")).Object["status"]!;
        Assert.Equal(0, (int?)status["disruptionsAllowed"]);
        Assert.Equal(2, status["disruptedPods"]!.AsObject().Count);
        Assert.Equal(2, (await fx.Client.GetAsync(pods)).Object["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Eviction_DryRun_SpendsNothingAndKeepsPod()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "dry", "dry");
        var pdbs = await BudgetAsync(ns, "dry-pdb", "dry", "{\"disruptionsAllowed\":1,\"currentHealthy\":1,\"desiredHealthy\":0,\"expectedPods\":1}");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/dry/eviction?dryRun=All", Eviction("dry")));

        Assert.Equal(201, response.Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"{pods}/dry")).Code);
        Assert.Equal(1, (int?)(await fx.Client.GetAsync($"{pdbs}/dry-pdb")).Object["status"]!["disruptionsAllowed"]);
    }

    [Fact]
    public async Task Eviction_TwoBudgetsSelectPod_Is500WithUpstreamMessage()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "twice", "twice");
        await BudgetAsync(ns, "pdb-a", "twice", "{\"disruptionsAllowed\":1}");
        await BudgetAsync(ns, "pdb-b", "twice", "{\"disruptionsAllowed\":1}");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/twice/eviction", Eviction("twice")));

        Assert.Equal(500, response.Code);
        Assert.Equal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.", response.Message);
        Assert.Equal(200, (await fx.Client.GetAsync($"{pods}/twice")).Code);
    }

    [Fact]
    public async Task Eviction_BudgetNotYetObserved_Is429StillBeingProcessed()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "early", "early");
        await BudgetAsync(ns, "early-pdb", "early", "{\"disruptionsAllowed\":1,\"observedGeneration\":0}");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/early/eviction", Eviction("early")));

        ApiAssert.Failure(response, 429, "TooManyRequests");
        Assert.Equal("The disruption budget early-pdb is still being processed by the server.", ApiResponse.Str(response.Body!["details"]!["causes"]![0]!["message"]));
        Assert.Equal(10, (int?)response.Body!["details"]!["retryAfterSeconds"]);
    }

    [Fact]
    public async Task Eviction_UnreadyPodWithAlwaysAllow_IsDeletedWithoutSpending()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod("sick", new JsonObject { ["app"] = "sick" }))).Code);
        Assert.Equal(200, (await fx.Client.PatchAsync($"{pods}/sick/status", "{\"status\":{\"phase\":\"Running\"}}", ApiClient.MergePatch)).Code);
        var pdbs = await BudgetAsync(ns, "sick-pdb", "sick", "{\"disruptionsAllowed\":0,\"currentHealthy\":0,\"desiredHealthy\":1}", alwaysAllow: true);

        var response = await fx.Client.PostAsync($"{pods}/sick/eviction", Eviction("sick"));

        Assert.Equal(201, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{pods}/sick")).Code);
        Assert.Equal(0, (int?)(await fx.Client.GetAsync($"{pdbs}/sick-pdb")).Object["status"]!["disruptionsAllowed"]);
    }

    private async Task RunningReadyPodAsync(string pods, string name, string app)
    {
        Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod(name, new JsonObject { ["app"] = app }))).Code);
        var status = "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";
        Assert.Equal(200, (await fx.Client.PatchAsync($"{pods}/{name}/status", status, ApiClient.MergePatch)).Code);
    }

    // No disruption controller runs in this server: the test sets the budget's status itself,
    // observed at the budget's generation unless the status says otherwise.
    private async Task<string> BudgetAsync(string ns, string name, string app, string status, bool alwaysAllow = false, JsonObject? selector = null)
    {
        var pdbs = $"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets";
        var spec = new JsonObject { ["minAvailable"] = 1, ["selector"] = selector ?? new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } } };
        if (alwaysAllow)
        {
            spec["unhealthyPodEvictionPolicy"] = "AlwaysAllow";
        }

        var created = await fx.Client.PostAsync(pdbs, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec });
        Assert.Equal(201, created.Code);
        var body = JsonNode.Parse(status)!.AsObject();
        body["observedGeneration"] ??= (long?)created.Object["metadata"]!["generation"] ?? 0;
        Assert.Equal(200, (await fx.Client.PatchAsync($"{pdbs}/{name}/status", new JsonObject { ["status"] = body }.ToJsonString(), ApiClient.MergePatch)).Code);
        return pdbs;
    }

    [Fact]
    public async Task Eviction_PodThatLingers_CarriesDisruptionTargetWhileDeleting()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "held", "held");
        Assert.Equal(200, (await fx.Client.PatchAsync($"{pods}/held", "{\"metadata\":{\"finalizers\":[\"example.com/hold\"]}}", ApiClient.MergePatch)).Code);

        var response = await fx.Client.PostAsync($"{pods}/held/eviction", Eviction("held"));

        Assert.Equal(201, response.Code);
        var pod = (await fx.Client.GetAsync($"{pods}/held")).Object;
        Assert.NotNull(pod["metadata"]!["deletionTimestamp"]);
        var condition = Assert.Single(pod["status"]!["conditions"]!.AsArray(), c => ApiResponse.Str(c!["type"]) == "DisruptionTarget")!;
        Assert.Equal("True", ApiResponse.Str(condition["status"]));
        Assert.Equal("EvictionByEvictionAPI", ApiResponse.Str(condition["reason"]));
        Assert.Equal("Eviction API: evicting", ApiResponse.Str(condition["message"]));
        Assert.NotNull(ApiResponse.Str(condition["lastTransitionTime"]));
        Assert.Equal(200, (await fx.Client.PatchAsync($"{pods}/held", "{\"metadata\":{\"finalizers\":null}}", ApiClient.MergePatch)).Code);
    }

    [Fact]
    public async Task Eviction_ClientPinsCurrentResourceVersion_ConditionWriteDoesNotTurnItIntoAConflict()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "pinned", "pinned");
        var version = ApiResponse.Str((await fx.Client.GetAsync($"{pods}/pinned")).Object["metadata"]!["resourceVersion"]);
        var eviction = Eviction("pinned");
        eviction["deleteOptions"] = new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = version } };

        var response = await fx.Client.PostAsync($"{pods}/pinned/eviction", eviction);

        Assert.Equal(201, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{pods}/pinned")).Code);
    }

    [Fact]
    public async Task Eviction_ClientPinsStaleResourceVersion_Is409AndPodKeepsNoCondition()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "stale", "stale");
        var eviction = Eviction("stale");
        eviction["deleteOptions"] = new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = "1" } };

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/stale/eviction", eviction));

        Assert.Equal(409, response.Code);
        Assert.Contains("the ResourceVersion in the precondition (1) does not match", response.Message, StringComparison.Ordinal);
        var pod = (await fx.Client.GetAsync($"{pods}/stale")).Object;
        Assert.DoesNotContain(pod["status"]!["conditions"]!.AsArray(), c => ApiResponse.Str(c!["type"]) == "DisruptionTarget");
    }

    [Fact]
    public async Task Eviction_BudgetWithEmptySelector_GuardsEveryPodOfItsNamespace()
    {
        var ns = await fx.NamespaceAsync("sub");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        await RunningReadyPodAsync(pods, "free", "free");
        Assert.Equal(201, (await fx.Client.PostAsync($"{pods}/free/eviction", Eviction("free"))).Code);
        await RunningReadyPodAsync(pods, "any", "any");
        await BudgetAsync(ns, "all-pdb", "unused", "{\"disruptionsAllowed\":0,\"currentHealthy\":1,\"desiredHealthy\":1,\"expectedPods\":1}", selector: new JsonObject());

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{pods}/any/eviction", Eviction("any")));

        ApiAssert.Failure(response, 429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
        Assert.Equal(200, (await fx.Client.GetAsync($"{pods}/any")).Code);
    }

    [Fact]
    public async Task Eviction_MissingPod_Is404()
    {
        var ns = await fx.NamespaceAsync("sub");

        var response = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods/ghost/eviction", Eviction("ghost"));

        ApiAssert.Failure(response, 404, "NotFound", "ghost");
    }

    [Fact]
    public async Task Finalize_RemovesNamespaceFinalizerOnly()
    {
        var ns = await fx.NamespaceAsync("sub");
        var current = (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        Assert.Contains("kubernetes", current["spec"]!["finalizers"]!.AsArray().Select(f => ApiResponse.Str(f)));
        current["spec"]!["finalizers"] = new JsonArray();
        current["status"] = new JsonObject { ["phase"] = "Terminating" };

        var response = await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/finalize", current);

        Assert.Equal(200, response.Code);
        var stored = (await fx.Client.GetAsync($"/api/v1/namespaces/{ns}")).Object;
        Assert.Empty((stored["spec"]?["finalizers"] as JsonArray) ?? []);
        Assert.Equal("Active", ApiResponse.Str(stored["status"]!["phase"]));
    }

    [Fact]
    public async Task NamespaceStatus_GetAndPatch_AddressTheNamespace()
    {
        var ns = await fx.NamespaceAsync("sub");

        var status = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/status");
        var patched = await fx.Client.PatchAsync($"/api/v1/namespaces/{ns}/status", "{\"metadata\":{\"labels\":{\"seen\":\"yes\"}}}", ApiClient.MergePatch);

        Assert.Equal(200, status.Code);
        Assert.Equal("Namespace", status.Kind);
        Assert.Equal(ns, status.Name);
        Assert.Equal(200, patched.Code);
        Assert.Equal("Namespace", patched.Kind);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/x/finalize", null, "namespaces", "x", "finalize")]
    [InlineData("/api/v1/namespaces/x/status", null, "namespaces", "x", "status")]
    [InlineData("/api/v1/namespaces/x", null, "namespaces", "x", null)]
    [InlineData("/api/v1/namespaces/x/pods", "x", "pods", null, null)]
    [InlineData("/api/v1/namespaces/x/pods/p/status", "x", "pods", "p", "status")]
    [InlineData("/apis/apps/v1/namespaces/x/deployments/d/scale", "x", "deployments", "d", "scale")]
    public void RequestInfo_Parse_SplitsPathLikeUpstream(string path, string? ns, string resource, string? name, string? sub)
    {
        var info = Timonel.ApiServer.Http.RequestInfo.Parse(path)!;

        Assert.Equal((ns, resource, name, sub), (info.Namespace, info.Resource, info.Name, info.Subresource));
    }

    [Fact]
    public async Task Table_PodList_HasPodColumnsAndOneRowPerPod()
    {
        var ns = await fx.NamespaceAsync("table");
        var pods = $"/api/v1/namespaces/{ns}/pods";
        foreach (var name in new[] { "t1", "t2", "t3" })
        {
            Assert.Equal(201, (await fx.Client.PostAsync(pods, TestObjects.Pod(name))).Code);
        }

        var table = await fx.Client.GetAsync(pods, TableAccept);

        Assert.Equal(200, table.Code);
        Assert.Equal("Table", table.Kind);
        Assert.Equal("meta.k8s.io/v1", ApiResponse.Str(table.Object["apiVersion"]));
        var columns = table.Object["columnDefinitions"]!.AsArray().Select(c => ApiResponse.Str(c!["name"])).ToList();
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age"], columns.Take(5));
        Assert.Contains("Node", columns);
        var rows = table.Object["rows"]!.AsArray();
        Assert.Equal(3, rows.Count);
        Assert.Equal(new[] { "t1", "t2", "t3" }, rows.Select(r => ApiResponse.Str(r!["cells"]![0])!).Order());
        Assert.All(rows, r => Assert.Equal(columns.Count, r!["cells"]!.AsArray().Count));
        Assert.Equal("PartialObjectMetadata", ApiResponse.Str(rows[0]!["object"]!["kind"]));
    }

    [Fact]
    public async Task Table_SingleObject_HasOneRow()
    {
        var ns = await fx.NamespaceAsync("table");
        Assert.Equal(201, (await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", TestObjects.Pod("one"))).Code);

        var table = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/one", TableAccept);

        Assert.Equal("Table", table.Kind);
        Assert.Equal("one", ApiResponse.Str(Assert.Single(table.Object["rows"]!.AsArray())!["cells"]![0]));
    }

    private static JsonObject Eviction(string pod) => new()
    {
        ["apiVersion"] = "policy/v1",
        ["kind"] = "Eviction",
        ["metadata"] = new JsonObject { ["name"] = pod },
    };
}
