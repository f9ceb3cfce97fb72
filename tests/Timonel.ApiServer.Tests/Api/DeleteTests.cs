using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>DELETE: finalizers, propagation policies, graceful pod deletion, preconditions, collections.</summary>
public sealed class DeleteTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string ConfigMaps(string ns) => $"/api/v1/namespaces/{ns}/configmaps";

    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    [Fact]
    public async Task Delete_Pod_ReturnsTheObjectAndRemovesIt()
    {
        var ns = await fx.NamespaceAsync("delete");
        var uid = ApiResponse.Str((await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p"))).Object["metadata"]!["uid"]);

        var response = await fx.Client.DeleteAsync($"{Pods(ns)}/p");

        Assert.Equal(200, response.Code);
        Assert.Equal("Pod", response.Kind);
        Assert.Equal(uid, ApiResponse.Str(response.Object["metadata"]!["uid"]));
        Assert.Equal(404, (await fx.Client.GetAsync($"{Pods(ns)}/p")).Code);
    }

    [Fact]
    public async Task Delete_ConfigMap_Is200AndGone()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("c"))).Code);

        var response = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/c");

        Assert.Equal(200, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/c")).Code);
    }

    [Fact]
    public async Task Delete_Missing_Is404()
    {
        var ns = await fx.NamespaceAsync("delete");

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/ghost"));

        ApiAssert.Failure(response, 404, "NotFound", "configmaps \"ghost\" not found");
        Assert.Equal("ghost", ApiResponse.Str(response.Body!["details"]!["name"]));
    }

    [Fact]
    public async Task Delete_WithFinalizer_KeepsObjectUntilLastFinalizerIsRemoved()
    {
        var ns = await fx.NamespaceAsync("delete");
        var cm = TestObjects.ConfigMap("held");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/a", "example.com/b");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), cm)).Code);

        var deleted = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/held");

        Assert.Equal(200, deleted.Code);
        Assert.NotNull(deleted.Object["metadata"]!["deletionTimestamp"]);
        var held = await fx.Client.GetAsync($"{ConfigMaps(ns)}/held");
        Assert.Equal(200, held.Code);
        Assert.NotNull(held.Object["metadata"]!["deletionTimestamp"]);

        var one = held.Object;
        one["metadata"]!["finalizers"] = new JsonArray("example.com/b");
        Assert.Equal(200, (await fx.Client.PutAsync($"{ConfigMaps(ns)}/held", one)).Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/held")).Code);

        var last = (await fx.Client.GetAsync($"{ConfigMaps(ns)}/held")).Object;
        last["metadata"]!.AsObject().Remove("finalizers");
        var final = await fx.Client.PutAsync($"{ConfigMaps(ns)}/held", last);

        Assert.Equal(200, final.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/held")).Code);
    }

    [Fact]
    public async Task Delete_AlreadyDeleting_WritesNothing()
    {
        var ns = await fx.NamespaceAsync("delete");
        var cm = TestObjects.ConfigMap("nogain");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/a");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), cm)).Code);
        Assert.Equal(200, (await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/nogain")).Code);

        var again = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/nogain"));

        Assert.Equal(200, again.Code);
        Assert.NotNull(again.Object["metadata"]!["deletionTimestamp"]);
    }

    [Theory]
    [InlineData("Orphan", "orphan")]
    [InlineData("Foreground", "foregroundDeletion")]
    public async Task Delete_PropagationPolicy_AddsGarbageCollectorFinalizer(string policy, string finalizer)
    {
        var ns = await fx.NamespaceAsync("delete");
        var path = $"/apis/apps/v1/namespaces/{ns}/deployments/d";
        Assert.Equal(201, (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", TestObjects.Deployment("d"))).Code);

        var response = await fx.Client.DeleteAsync(path, new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = policy });

        Assert.Equal(200, response.Code);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.NotNull(stored["metadata"]!["deletionTimestamp"]);
        Assert.Contains(finalizer, stored["metadata"]!["finalizers"]!.AsArray().Select(f => ApiResponse.Str(f)));
    }

    [Fact]
    public async Task Delete_PropagationPolicyInQuery_IsHonoured()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("q"))).Code);

        var response = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/q?propagationPolicy=Orphan");

        Assert.Equal(200, response.Code);
        Assert.Contains("orphan", (await fx.Client.GetAsync($"{ConfigMaps(ns)}/q")).Object["metadata"]!["finalizers"]!.AsArray().Select(f => ApiResponse.Str(f)));
    }

    [Fact]
    public async Task Delete_BackgroundPolicy_DeletesAtOnce()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("bg"))).Code);

        var response = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/bg", new JsonObject { ["propagationPolicy"] = "Background" });

        Assert.Equal(200, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/bg")).Code);
    }

    [Fact]
    public async Task Delete_UnknownPropagationPolicy_Is400()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("badpolicy"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/badpolicy", new JsonObject { ["propagationPolicy"] = "Sideways" }));

        ApiAssert.Failure(response, 400, "BadRequest", "Sideways");
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/badpolicy")).Code);
    }

    [Fact]
    public async Task Delete_MalformedBody_Is400()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("badbody"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(HttpMethod.Delete, $"{ConfigMaps(ns)}/badbody", "{\"gracePeriodSeconds\":", ApiClient.Json));

        ApiAssert.Failure(response, 400, "BadRequest");
    }

    [Fact]
    public async Task Delete_BoundPodWithGrace_StaysUntilGraceZero()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("bound"))).Code);
        var bind = await fx.Client.PostAsync($"{Pods(ns)}/bound/binding", Binding("bound", "node-1"));
        Assert.Equal(201, bind.Code);

        var graceful = await fx.Client.DeleteAsync($"{Pods(ns)}/bound");

        Assert.Equal(200, graceful.Code);
        var pod = (await fx.Client.GetAsync($"{Pods(ns)}/bound")).Object;
        Assert.NotNull(pod["metadata"]!["deletionTimestamp"]);
        Assert.Equal(30, (long?)pod["metadata"]!["deletionGracePeriodSeconds"]);

        var shorter = await fx.Client.DeleteAsync($"{Pods(ns)}/bound", new JsonObject { ["gracePeriodSeconds"] = 5 });
        Assert.Equal(200, shorter.Code);
        Assert.Equal(5, (long?)(await fx.Client.GetAsync($"{Pods(ns)}/bound")).Object["metadata"]!["deletionGracePeriodSeconds"]);

        var final = await fx.Client.DeleteAsync($"{Pods(ns)}/bound?gracePeriodSeconds=0");

        Assert.Equal(200, final.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{Pods(ns)}/bound")).Code);
    }

    [Fact]
    public async Task Delete_UnboundPod_IsImmediate()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("unbound"))).Code);

        var response = await fx.Client.DeleteAsync($"{Pods(ns)}/unbound");

        Assert.Equal(200, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{Pods(ns)}/unbound")).Code);
    }

    [Fact]
    public async Task Delete_UidPreconditionMismatch_Is409()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("pre"))).Code);
        var options = new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = Guid.NewGuid().ToString() } };

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/pre", options));

        ApiAssert.Failure(response, 409, "Conflict", "Precondition failed", "UID");
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/pre")).Code);
    }

    [Fact]
    public async Task Delete_ResourceVersionPreconditionMismatch_Is409()
    {
        var ns = await fx.NamespaceAsync("delete");
        var created = await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("prerv"));
        Assert.Equal(200, (await fx.Client.PatchAsync($"{ConfigMaps(ns)}/prerv", "{\"data\":{\"key\":\"2\"}}", ApiClient.MergePatch)).Code);
        var options = new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = created.ResourceVersion } };

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/prerv", options));

        ApiAssert.Failure(response, 409, "Conflict", "ResourceVersion");
    }

    [Fact]
    public async Task Delete_MatchingUidPrecondition_Deletes()
    {
        var ns = await fx.NamespaceAsync("delete");
        var uid = ApiResponse.Str((await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("preok"))).Object["metadata"]!["uid"]);

        var response = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}/preok", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = uid } });

        Assert.Equal(200, response.Code);
        Assert.Equal(404, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/preok")).Code);
    }

    [Fact]
    public async Task Delete_DryRun_DeletesNothing()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("dry"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}/dry?dryRun=All"));

        Assert.Equal(200, response.Code);
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/dry")).Code);
    }

    [Fact]
    public async Task DeleteCollection_LabelSelector_DeletesOnlyMatching()
    {
        var ns = await fx.NamespaceAsync("delete");
        foreach (var (name, tier) in new[] { ("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("b2", "b") })
        {
            Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap(name, new JsonObject { ["tier"] = tier }))).Code);
        }

        var response = await fx.Client.DeleteAsync($"{ConfigMaps(ns)}?labelSelector=tier%3Da");

        Assert.Equal(200, response.Code);
        Assert.Equal(3, response.Object["items"]!.AsArray().Count);
        var left = (await fx.Client.GetAsync(ConfigMaps(ns))).Object["items"]!.AsArray().Select(i => ApiResponse.Str(i!["metadata"]!["name"])).Order().ToArray();
        Assert.Equal(new string?[] { "b1", "b2" }, left);
    }

    [Fact]
    public async Task DeleteCollection_BadSelector_Is400()
    {
        var ns = await fx.NamespaceAsync("delete");
        Assert.Equal(201, (await fx.Client.PostAsync(ConfigMaps(ns), TestObjects.ConfigMap("keep"))).Code);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{ConfigMaps(ns)}?labelSelector=%21%21bad"));

        ApiAssert.Failure(response, 400, "BadRequest");
        Assert.Equal(200, (await fx.Client.GetAsync($"{ConfigMaps(ns)}/keep")).Code);
    }

    internal static JsonObject Binding(string pod, string node) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Binding",
        ["metadata"] = new JsonObject { ["name"] = pod },
        ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = node },
    };
}
