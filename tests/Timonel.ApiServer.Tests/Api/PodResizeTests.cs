using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>
/// The pods/resize subresource (1.33 in-place resize): cpu and memory of containers change there
/// and only there; every other change is dropped or refused with upstream's 422, and a refused
/// resize writes nothing.
/// </summary>
public sealed class PodResizeTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Strategic = "application/strategic-merge-patch+json";

    private static JsonObject BurstablePod(string name)
    {
        var pod = TestObjects.Pod(name);
        pod["spec"]!["containers"]![0]!["resources"] = new JsonObject
        {
            ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi", ["ephemeral-storage"] = "1Gi" },
            ["limits"] = new JsonObject { ["cpu"] = "200m", ["memory"] = "128Mi" },
        };
        return pod;
    }

    private async Task<string> CreateAsync(JsonObject pod)
    {
        var ns = await fx.NamespaceAsync("resize");
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", pod);
        ApiAssert.Code(201, created);
        return $"/api/v1/namespaces/{ns}/pods/{created.Name}";
    }

    private static string Resources(string requests, string limits) =>
        "{\"spec\":{\"containers\":[{\"name\":\"main\",\"resources\":{\"requests\":{" + requests + "},\"limits\":{" + limits + "}}}]}}";

    private async Task<JsonNode?> ContainerResourcesAsync(string path) =>
        (await fx.Client.GetAsync(path)).Object["spec"]!["containers"]![0]!["resources"];

    [Fact]
    public async Task PatchResize_CpuAndMemory_ChangesSpecAndBumpsGeneration()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var response = await fx.Client.PatchAsync($"{path}/resize", Resources("\"cpu\":\"150m\",\"memory\":\"96Mi\"", "\"cpu\":\"300m\",\"memory\":\"256Mi\""), Strategic);

        ApiAssert.Code(200, response);
        Assert.Equal("Pod", response.Kind);
        var stored = (await fx.Client.GetAsync(path)).Object;
        var resources = stored["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("150m", ApiResponse.Str(resources["requests"]!["cpu"]));
        Assert.Equal("256Mi", ApiResponse.Str(resources["limits"]!["memory"]));
        Assert.Equal("1Gi", ApiResponse.Str(resources["requests"]!["ephemeral-storage"]));
        Assert.Equal(2, (long?)stored["metadata"]!["generation"]);
        Assert.Equal("Burstable", ApiResponse.Str(stored["status"]!["qosClass"]));
    }

    [Fact]
    public async Task GetResize_ReturnsThePod()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var response = await fx.Client.GetAsync($"{path}/resize");

        ApiAssert.Code(200, response);
        Assert.Equal("Pod", response.Kind);
        Assert.Equal("web", response.Name);
    }

    [Fact]
    public async Task PatchResize_OtherFieldsInBody_AreDroppedAndResourcesApplied()
    {
        var path = await CreateAsync(BurstablePod("web"));

        // As upstream's dropNonResizeUpdates: the image and the label never reach the store.
        var response = await fx.Client.PatchAsync($"{path}/resize",
            """{"metadata":{"labels":{"sneaky":"yes"}},"spec":{"activeDeadlineSeconds":5,"containers":[{"name":"main","image":"busybox:9","resources":{"requests":{"cpu":"120m"}}}]}}""", Strategic);

        ApiAssert.Code(200, response);
        var stored = (await fx.Client.GetAsync(path)).Object;
        Assert.Equal("busybox:1.36", ApiResponse.Str(stored["spec"]!["containers"]![0]!["image"]));
        Assert.Null(stored["metadata"]!["labels"]?["sneaky"]);
        Assert.Null(stored["spec"]!["activeDeadlineSeconds"]);
        Assert.Equal("120m", ApiResponse.Str(stored["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]));
    }

    [Fact]
    public async Task PatchResize_QosClassWouldChange_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));
        var before = await ContainerResourcesAsync(path);

        // Requests equal to limits for cpu and memory would make the pod Guaranteed.
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize",
            Resources("\"cpu\":\"200m\",\"memory\":\"128Mi\"", "\"cpu\":\"200m\",\"memory\":\"128Mi\""), Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "Pod \"web\" is invalid", "spec: Invalid value: \"Burstable\": Pod QOS Class may not change as a result of resizing");
        Assert.True(JsonNode.DeepEquals(before, await ContainerResourcesAsync(path)));
    }

    [Fact]
    public async Task PatchResize_RemovesARequest_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));

        // (A removed request would be defaulted from its limit, as upstream; a removed limit stays removed.)
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize",
            """{"spec":{"containers":[{"name":"main","resources":{"limits":{"cpu":null}}}]}}""", Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "spec.containers[0].resources.limits[cpu]: Forbidden: resource removal is not supported");
    }

    [Fact]
    public async Task PatchResize_MemoryLimitDecrease_RefusedUnlessRestartContainer()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize", Resources("\"memory\":\"64Mi\"", "\"memory\":\"100Mi\""), Strategic));
        ApiAssert.Failure(refused, 422, "Invalid", "spec.containers[0].resources.limits[memory]: Forbidden: memory limits cannot be decreased unless resizePolicy is RestartContainer");

        var withRestart = """{"spec":{"containers":[{"name":"main","resizePolicy":[{"resourceName":"memory","restartPolicy":"RestartContainer"}],"resources":{"limits":{"memory":"100Mi"}}}]}}""";
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/resize", withRestart, Strategic));
        Assert.Equal("100Mi", ApiResponse.Str((await ContainerResourcesAsync(path))!["limits"]!["memory"]));
    }

    [Fact]
    public async Task PatchResize_ExtendedResourceChange_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize",
            """{"spec":{"containers":[{"name":"main","resources":{"requests":{"ephemeral-storage":"2Gi"}}}]}}""", Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "spec: Forbidden: only cpu and memory resources are mutable");
    }

    [Fact]
    public async Task PatchResize_ResizePolicy_ChangesThroughResizeOnly()
    {
        var path = await CreateAsync(BurstablePod("web"));
        const string policy = """{"spec":{"containers":[{"name":"main","resizePolicy":[{"resourceName":"memory","restartPolicy":"RestartContainer"}]}]}}""";

        // As upstream's resize strategy: resizePolicy is among what /resize keeps; the main resource refuses it.
        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, policy, Strategic));
        ApiAssert.Failure(refused, 422, "Invalid", "pod updates may not change fields other than");

        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/resize", policy, Strategic));
        var stored = (await fx.Client.GetAsync(path)).Object["spec"]!["containers"]![0]!["resizePolicy"]![0]!;
        Assert.Equal("RestartContainer", ApiResponse.Str(stored["restartPolicy"]));
    }

    [Fact]
    public async Task PatchResize_UnknownResizePolicy_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize",
            """{"spec":{"containers":[{"name":"main","resizePolicy":[{"resourceName":"memory","restartPolicy":"Sometimes"}]}]}}""", Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "spec.containers[0].resizePolicy: Unsupported value: \"Sometimes\": supported values: \"NotRequired\", \"RestartContainer\"");
    }

    [Fact]
    public async Task PutResize_RenamedContainer_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));
        var pod = (await fx.Client.GetAsync(path)).Object;
        pod["spec"]!["containers"]![0]!["name"] = "other";

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PutAsync($"{path}/resize", pod));

        ApiAssert.Failure(response, 422, "Invalid", "spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize");
    }

    [Fact]
    public async Task PatchResize_StaticPod_Is422AndNothingWritten()
    {
        var pod = BurstablePod("mirror");
        pod["metadata"]!["annotations"] = new JsonObject { ["kubernetes.io/config.mirror"] = "abc" };
        var path = await CreateAsync(pod);

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize", Resources("\"cpu\":\"150m\"", "\"cpu\":\"300m\""), Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "Forbidden: static pods cannot be resized");
    }

    [Fact]
    public async Task PatchResize_RunningOnNodeThatReportsNoResources_Is422AndNothingWritten()
    {
        var path = await CreateAsync(BurstablePod("web"));
        var running = """{"status":{"containerStatuses":[{"name":"main","image":"busybox:1.36","imageID":"","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}""";
        ApiAssert.Code(200, await fx.Client.PatchAsync($"{path}/status", running, ApiClient.MergePatch));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{path}/resize", Resources("\"cpu\":\"150m\"", "\"cpu\":\"300m\""), Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "spec: Forbidden: Pod running on node without support for resize");
    }

    [Fact]
    public async Task PatchPod_ResourcesThroughMainResource_StillRefused()
    {
        var path = await CreateAsync(BurstablePod("web"));

        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync(path, Resources("\"cpu\":\"150m\"", "\"cpu\":\"300m\""), Strategic));

        ApiAssert.Failure(response, 422, "Invalid", "spec: Forbidden: pod updates may not change fields other than");
    }

    [Fact]
    public async Task Discovery_ListsPodsResize()
    {
        var list = (await fx.Client.GetAsync("/api/v1")).Object;

        var resize = list["resources"]!.AsArray().Single(r => ApiResponse.Str(r!["name"]) == "pods/resize")!;

        Assert.Equal(["get", "patch", "update"], resize["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task EditRole_AllowsPodsResize()
    {
        var role = (await fx.Client.GetAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregate-to-edit")).Object;

        Assert.Contains(role["rules"]!.AsArray(), r => r!["resources"]!.AsArray().Any(x => x!.GetValue<string>() == "pods/resize")
            && r["verbs"]!.AsArray().Any(v => v!.GetValue<string>() == "patch"));
    }

    [Fact]
    public async Task KubectlPatchSubresourceResize_ChangesLimits()
    {
        var path = await CreateAsync(BurstablePod("web"));
        var ns = path.Split('/')[4];
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("resize-home-").FullName);

        var run = await kubectl.RunAsync(["patch", "pod", "web", "-n", ns, "--subresource", "resize", "--patch",
            """{"spec":{"containers":[{"name":"main","resources":{"limits":{"cpu":"400m"}}}]}}"""]);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("pod/web patched", run.Stdout, StringComparison.Ordinal);
        Assert.Equal("400m", ApiResponse.Str((await ContainerResourcesAsync(path))!["limits"]!["cpu"]));

        var refused = await kubectl.RunAsync(["patch", "pod", "web", "-n", ns, "--subresource", "resize", "--patch",
            """{"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"400m","memory":"128Mi"},"limits":{"memory":"128Mi"}}}]}}"""]);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Pod QOS Class may not change as a result of resizing", refused.Stderr, StringComparison.Ordinal);
    }
}
