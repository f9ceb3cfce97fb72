using System.Text.Json.Nodes;
using k8s;
using Timonel.ApiServer.Metrics.History;
using Timonel.ApiServer.Tests.Api;
using Timonel.Client.Recommendations;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics.History;

/// <summary>
/// `timonel recommend` against a real API server on a fake clock: simulated usage (pod
/// annotations on a simulated node) feeds the history each collector round, the endpoint on the
/// pod metrics list answers with recommendations, and the CLI's runner prints them; unknown
/// workloads, bad arguments, no history and no rights get their answers.
/// </summary>
public sealed class RecommendApiTests(MetricsApiFixture fx) : IClassFixture<MetricsApiFixture>
{
    private const string Api = "/apis/metrics.k8s.io/v1beta1";

    private static JsonObject Resources(string? cpuRequest, string? memoryRequest, string? cpuLimit, string? memoryLimit)
    {
        static JsonObject Amounts(string? cpu, string? memory)
        {
            var amounts = new JsonObject();
            if (cpu is not null)
            {
                amounts["cpu"] = cpu;
            }

            if (memory is not null)
            {
                amounts["memory"] = memory;
            }

            return amounts;
        }

        return new JsonObject { ["requests"] = Amounts(cpuRequest, memoryRequest), ["limits"] = Amounts(cpuLimit, memoryLimit) };
    }

    private static JsonObject Template(string app, JsonObject appResources) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(
                new JsonObject { ["name"] = "app", ["image"] = "busybox", ["resources"] = appResources },
                new JsonObject { ["name"] = "sidecar", ["image"] = "busybox" }),
        },
    };

    /// <summary>A Deployment, a ReplicaSet it controls and a Running pod of that ReplicaSet on <paramref name="node"/> using the annotated usage.</summary>
    private async Task CreateDeploymentAsync(string ns, string name, string node, JsonObject? usage)
    {
        var template = Template(name, Resources("100m", "64Mi", "200m", "128Mi"));
        var deployment = (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } }, ["template"] = template.DeepClone() },
        })).Object;
        if (usage is null)
        {
            return;
        }

        var replicaSet = (await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/replicasets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"{name}-1", ["ownerReferences"] = Owner("apps/v1", "Deployment", deployment) },
            ["spec"] = new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } }, ["template"] = template.DeepClone() },
        })).Object;
        var pod = template.DeepClone().AsObject();
        pod["metadata"]!["name"] = $"{name}-1-a";
        pod["metadata"]!["annotations"] = usage;
        pod["metadata"]!["ownerReferences"] = Owner("apps/v1", "ReplicaSet", replicaSet);
        pod["spec"]!["nodeName"] = node;
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/pods", pod));
        ApiAssert.Code(200, await fx.Client.PatchAsync($"/api/v1/namespaces/{ns}/pods/{name}-1-a/status", new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running" } }.ToJsonString(), ApiClient.MergePatch));
    }

    private static JsonArray Owner(string apiVersion, string kind, JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = owner["metadata"]!["name"]!.GetValue<string>(),
        ["uid"] = owner["metadata"]!["uid"]!.GetValue<string>(),
        ["controller"] = true,
    });

    private async Task<string> SimulatedNodeAsync(string ns)
    {
        var node = $"{ns}-node";
        await fx.CreateNodeAsync(node, null, new JsonObject { ["timonel.dev/simulated"] = "true" }, cpu: "8", memory: "16Gi");
        return node;
    }

    /// <summary>Moves the clock a round at a time until the named container has at least <paramref name="samples"/> samples.</summary>
    private Task RoundsUntilAsync(string ns, string workload, string container, long samples) =>
        Eventually.WaitAsync(async _ =>
        {
            var list = (await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=true&workload={workload}")).Object;
            var item = list["items"]!.AsArray().FirstOrDefault(i => i!["container"]!.GetValue<string>() == container);
            if (item is not null && item["samples"]!.GetValue<long>() >= samples)
            {
                return true;
            }

            fx.Round();
            return false;
        }, TimeSpan.FromSeconds(60), $"{samples} samples of {workload} {container}");

    private async Task<(int Code, string Stdout, string Stderr)> RecommendAsync(string? ns, bool all, string? workload)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(fx.Host.KubeconfigPath);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await RecommendCommandRunner.RunAsync(config, ns, all, workload, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static List<string[]> Rows(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];

    [Fact]
    public async Task Recommend_SimulatedUsage_PrintsTargetsAfterEnoughHistory()
    {
        var ns = await fx.NamespaceAsync("rec");
        var node = await SimulatedNodeAsync(ns);
        await CreateDeploymentAsync(ns, "web", node, new JsonObject
        {
            ["timonel.dev/sim-cpu.app"] = "250m",
            ["timonel.dev/sim-memory.app"] = "100Mi",
            ["timonel.dev/sim-cpu.sidecar"] = "10m",
            ["timonel.dev/sim-memory.sidecar"] = "20Mi",
        });

        await RoundsUntilAsync(ns, "Deployment/web", "app", 1);
        var early = await RecommendAsync(ns, false, "deploy/web");
        Assert.True(early.Code == 0, early.Stderr);
        Assert.Contains("not enough history for deployment/web container app:", early.Stdout, StringComparison.Ordinal);
        Assert.Equal(["deployment/web", "app", "100m/200m", "64Mi/128Mi", "-", "-"], Rows(early.Stdout)[1][..6]);

        await RoundsUntilAsync(ns, "Deployment/web", "app", Recommender.MinSamples);
        var result = await RecommendAsync(ns, false, "deploy/web");

        Assert.True(result.Code == 0, result.Stderr);
        var rows = Rows(result.Stdout);
        Assert.Equal(["WORKLOAD", "CONTAINER", "CPU", "REQ/LIM", "MEMORY", "REQ/LIM", "RECOMMENDED", "CPU", "REQ/LIM", "RECOMMENDED", "MEMORY", "REQ/LIM", "WINDOW", "SAMPLES"], rows[0]);
        // 250m: the end of its histogram bucket (258.4m) plus 15 %; 100Mi plus 15 %; limits keep the 2:1 ratio.
        Assert.Equal(["deployment/web", "app", "100m/200m", "64Mi/128Mi", "298m/596m", "115Mi/230Mi"], rows[1][..6]);
        // 10m is where the second bucket starts: its end (20.5m) plus 15 %. No requests or limits: only the requests are recommended.
        Assert.Equal(["deployment/web", "sidecar", "-/-", "-/-", "24m/-", "23Mi/-"], rows[2][..6]);
        Assert.True(long.Parse(rows[1][7], System.Globalization.CultureInfo.InvariantCulture) >= Recommender.MinSamples);
        Assert.DoesNotContain("not enough history", result.Stdout, StringComparison.Ordinal);

        // The whole namespace, and every namespace with a NAMESPACE column.
        var all = await RecommendAsync(null, true, null);
        Assert.True(all.Code == 0, all.Stderr);
        Assert.Contains(Rows(all.Stdout), r => r[0] == ns && r[1] == "deployment/web" && r[2] == "app" && r[5] == "298m/596m");
        var inNamespace = await RecommendAsync(ns, false, null);
        Assert.Equal(2, Rows(inNamespace.Stdout).Count(r => r[0] == "deployment/web"));
    }

    [Fact]
    public async Task Recommend_WorkloadWithoutHistory_SaysNotEnoughHistory()
    {
        var ns = await fx.NamespaceAsync("recidle");
        await CreateDeploymentAsync(ns, "idle", $"{ns}-node", usage: null);

        var empty = await RecommendAsync(ns, false, null);
        Assert.True(empty.Code == 0, empty.Stderr);
        Assert.Equal($"No usage history yet in namespace {ns}.\n", empty.Stdout);

        var result = await RecommendAsync(ns, false, "deployments.apps/idle");

        Assert.True(result.Code == 0, result.Stderr);
        Assert.Equal(["deployment/idle", "app", "100m/200m", "64Mi/128Mi", "-", "-", "-", "0"], Rows(result.Stdout)[1]);
        Assert.Contains($"not enough history for deployment/idle container app: 0 of the {Recommender.MinSamples} samples needed", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_BadInputs_AnswerWithStatusAndExitOne()
    {
        var ns = await fx.NamespaceAsync("recbad");

        var unknown = await RecommendAsync(ns, false, "deploy/nope");
        Assert.Equal((1, ""), (unknown.Code, unknown.Stdout));
        Assert.Equal("Error from server (NotFound): deployments.apps \"nope\" not found\n", unknown.Stderr);
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=true&workload=StatefulSet/nope"), 404, "NotFound", "statefulsets.apps \"nope\" not found");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=true&workload=Pod/nope"), 404, "NotFound", "pods \"nope\" not found");

        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=true&workload=Service/web"), 400, "BadRequest", "kind \"Service\" is not one of");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=true&workload=web"), 400, "BadRequest", "is not Kind/name");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/pods?recommendations=true&workload=Deployment/web"), 400, "BadRequest", "lives in a namespace");
        // recommendations=false is the plain pod metrics list.
        Assert.Equal("PodMetricsList", (await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods?recommendations=false")).Object["kind"]!.GetValue<string>());

        var badType = await RecommendAsync(ns, false, "svc/web");
        Assert.Equal(1, badType.Code);
        Assert.Contains("\"svc\" is not a workload type", badType.Stderr, StringComparison.Ordinal);
        var noName = await RecommendAsync(ns, false, "deploy/");
        Assert.Contains("is not TYPE/NAME", noName.Stderr, StringComparison.Ordinal);
        var across = await RecommendAsync(null, true, "deploy/web");
        Assert.Contains("across all namespaces", across.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_WithoutMetricsRights_Forbidden()
    {
        var ns = await fx.NamespaceAsync("recrbac");
        var user = $"{ns}-jane";
        var path = $"{Api}/namespaces/{ns}/pods?recommendations=true";

        ApiAssert.Failure(await fx.Client.SendWithHeadersAsync(HttpMethod.Get, path, null, null, ("Impersonate-User", user)), 403, "Forbidden", "pods.metrics.k8s.io", ns);

        // Whoever may list the namespace's pod metrics may read its recommendations.
        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "metrics" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "system:aggregated-metrics-reader" },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "User", ["name"] = user }),
        }));
        var allowed = await Eventually.WaitAsync(async _ =>
        {
            var response = await fx.Client.SendWithHeadersAsync(HttpMethod.Get, path, null, null, ("Impersonate-User", user));
            return response.Code == 200 ? response : null;
        }, TimeSpan.FromSeconds(10), "the binding to take effect");
        Assert.Equal("ContainerRecommendationList", allowed.Object["kind"]!.GetValue<string>());
        // Not across namespaces.
        ApiAssert.Failure(await fx.Client.SendWithHeadersAsync(HttpMethod.Get, $"{Api}/pods?recommendations=true", null, null, ("Impersonate-User", user)), 403, "Forbidden");
    }
}
