using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics;

/// <summary>
/// metrics.k8s.io/v1beta1 through the real HTTP surface and the real kubectl: usage scraped from
/// a fake kubelet on 127.0.0.1 (two scrapes make a CPU rate) and read from simulated nodes' pod
/// annotations; `kubectl top` columns; the read-only, not-found and RBAC answers.
/// </summary>
public sealed class MetricsApiTests(MetricsApiFixture fx) : IClassFixture<MetricsApiFixture>
{
    private const string Api = "/apis/metrics.k8s.io/v1beta1";
    private const long T1 = 1_700_000_000_000;
    private const long T2 = T1 + 10_000;

    /// <summary>A kubelet's /metrics/resource: node CPU seconds and memory, then (namespace, pod, container, CPU seconds, memory) rows.</summary>
    private static string Text(long timestamp, double nodeCpu, long nodeMemory, params (string Ns, string Pod, string Container, double Cpu, long Memory)[] containers)
    {
        var lines = new List<string>
        {
            "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds",
            "# TYPE node_cpu_usage_seconds_total counter",
            string.Create(CultureInfo.InvariantCulture, $"node_cpu_usage_seconds_total {nodeCpu} {timestamp}"),
            "# TYPE node_memory_working_set_bytes gauge",
            string.Create(CultureInfo.InvariantCulture, $"node_memory_working_set_bytes {nodeMemory:0.#########e+00} {timestamp}"),
            "# TYPE container_cpu_usage_seconds_total counter",
        };
        lines.AddRange(containers.Select(c => string.Create(CultureInfo.InvariantCulture, $"container_cpu_usage_seconds_total{{container=\"{c.Container}\",namespace=\"{c.Ns}\",pod=\"{c.Pod}\"}} {c.Cpu} {timestamp}")));
        lines.Add("# TYPE container_memory_working_set_bytes gauge");
        lines.AddRange(containers.Select(c => string.Create(CultureInfo.InvariantCulture, $"container_memory_working_set_bytes{{container=\"{c.Container}\",namespace=\"{c.Ns}\",pod=\"{c.Pod}\"}} {c.Memory} {timestamp}")));
        lines.Add("# TYPE scrape_error gauge");
        lines.Add("scrape_error 0");
        return string.Join('\n', lines) + "\n";
    }

    private static string? Str(JsonNode? node) => ApiResponse.Str(node);

    [Fact]
    public async Task RealNode_TwoScrapes_ServeTheCpuRateOverTheirWindow()
    {
        var ns = await fx.NamespaceAsync("mreal");
        const long Mi = 1024 * 1024;
        await using var kubelet = new FakeKubelet(Text(T1, 100, 1024 * Mi, (ns, "web", "app", 10, 100 * Mi), (ns, "web", "sidecar", 20, 50 * Mi), (ns, "stranger", "app", 5, Mi)));
        await using var broken = new FakeKubelet("node_cpu_usage_seconds_total{ 12 oops\n");
        await fx.CreateNodeAsync($"{ns}-node", kubelet.Port, new JsonObject { ["metrics-test"] = ns });
        await fx.CreateNodeAsync($"{ns}-broken", broken.Port, new JsonObject { ["metrics-test"] = ns });
        await fx.CreatePodAsync(ns, "web", $"{ns}-node", ["app", "sidecar"], labels: new JsonObject { ["app"] = "web" });
        // Running on another node: the kubelet that reports it is not its own, so it is dropped (as metrics-server).
        await fx.CreatePodAsync(ns, "stranger", $"{ns}-elsewhere", ["app"]);

        await fx.RoundAsync(kubelet, 1);
        await Eventually.WaitAsync(_ => Task.FromResult(broken.Requests >= 1), TimeSpan.FromSeconds(20), "the broken kubelet scraped");
        // One sample is no rate yet.
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-node"), 404, "NotFound", $"nodemetrics.metrics.k8s.io \"{ns}-node\" not found");

        kubelet.Body = Text(T2, 105, 1024 * Mi, (ns, "web", "app", 11, 100 * Mi), (ns, "web", "sidecar", 22.5, 50 * Mi), (ns, "stranger", "app", 6, Mi));
        await fx.RoundAsync(kubelet, 2);
        var node = (await fx.UntilFoundAsync($"{Api}/nodes/{ns}-node")).Object;

        Assert.Equal(("NodeMetrics", "metrics.k8s.io/v1beta1"), (Str(node["kind"]), Str(node["apiVersion"])));
        Assert.Equal($"{ns}-node", Str(node["metadata"]!["name"]));
        Assert.Equal(ns, Str(node["metadata"]!["labels"]!["metrics-test"]));
        Assert.NotNull(Str(node["metadata"]!["creationTimestamp"]));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T2).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), Str(node["timestamp"]));
        Assert.Equal("10s", Str(node["window"]));
        Assert.Equal(("500m", "1Gi"), (Str(node["usage"]!["cpu"]), Str(node["usage"]!["memory"])));

        var pod = (await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods/web")).Object;
        Assert.Equal(("PodMetrics", ns, "web"), (Str(pod["kind"]), Str(pod["metadata"]!["namespace"]), Str(pod["metadata"]!["name"])));
        Assert.Equal("web", Str(pod["metadata"]!["labels"]!["app"]));
        Assert.Equal("10s", Str(pod["window"]));
        var containers = pod["containers"]!.AsArray().Select(c => (Str(c!["name"]), Str(c["usage"]!["cpu"]), Str(c["usage"]!["memory"]))).ToList();
        Assert.Equal([("app", "100m", "100Mi"), ("sidecar", "250m", "50Mi")], containers);

        // The kubelet serving garbage was scraped both rounds and skipped; the others went on.
        Assert.True(broken.Requests >= 2);
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-broken"), 404, "NotFound", $"nodemetrics.metrics.k8s.io \"{ns}-broken\" not found");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods/stranger"), 404, "NotFound", $"podmetrics.metrics.k8s.io \"{ns}/stranger\" not found");
        Assert.All(kubelet.Paths, p => Assert.Equal("/metrics/resource", p));

        var top = await fx.Kubectl().RunAsync("top", "pod", "web", "-n", ns, "--containers");
        Assert.True(top.ExitCode == 0, top.Stderr);
        Assert.Equal([["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], ["web", "app", "100m", "100Mi"], ["web", "sidecar", "250m", "50Mi"]], Rows(top.Stdout));

        var nodes = await fx.Kubectl().RunAsync("top", "nodes", "-l", $"metrics-test={ns}");
        Assert.True(nodes.ExitCode == 0, nodes.Stderr);
        var rows = Rows(nodes.Stdout);
        Assert.Equal(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], rows[0]);
        // 500m of 4 cores, 1Gi of 8Gi; the node with no metrics is listed as unknown, as kubectl does.
        Assert.Contains([$"{ns}-node", "500m", "12%", "1024Mi", "12%"], rows);
        Assert.Contains([$"{ns}-broken", "<unknown>", "<unknown>", "<unknown>", "<unknown>"], rows);
    }

    [Fact]
    public async Task SimulatedNode_PodAnnotations_KubectlTopPrintsUpstreamColumns()
    {
        var ns = await fx.NamespaceAsync("msim");
        var node = $"{ns}-node";
        await fx.CreateNodeAsync(node, null, new JsonObject { ["timonel.dev/simulated"] = "true", ["metrics-test"] = ns }, cpu: "8", memory: "16Gi");
        await fx.CreatePodAsync(ns, "alpha", node, ["a1", "a2"], new JsonObject { ["timonel.dev/sim-cpu"] = "250m", ["timonel.dev/sim-memory"] = "64Mi", ["timonel.dev/sim-cpu.a2"] = "1" });
        await fx.CreatePodAsync(ns, "beta", node, ["b1"], new JsonObject { ["timonel.dev/sim-cpu"] = "100m", ["timonel.dev/sim-memory"] = "300Mi" }, new JsonObject { ["app"] = "beta" });
        await fx.CreatePodAsync(ns, "delta", node, ["d1"], new JsonObject { ["timonel.dev/sim-cpu"] = "lots", ["timonel.dev/sim-memory"] = "10Mi" });
        await fx.CreatePodAsync(ns, "pending", node, ["p1"], new JsonObject { ["timonel.dev/sim-cpu"] = "2" }, phase: "Pending");

        var nodeMetrics = (await fx.UntilFoundAsync($"{Api}/nodes/{node}")).Object;
        Assert.Equal(("1350m", "438Mi", "15s"), (Str(nodeMetrics["usage"]!["cpu"]), Str(nodeMetrics["usage"]!["memory"]), Str(nodeMetrics["window"])));

        var kubectl = fx.Kubectl();
        var topNodes = await kubectl.RunAsync("top", "nodes", "-l", $"metrics-test={ns}");
        Assert.True(topNodes.ExitCode == 0, topNodes.Stderr);
        Assert.Equal([["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"], [node, "1350m", "16%", "438Mi", "2%"]], Rows(topNodes.Stdout));

        var byCpu = await kubectl.RunAsync("top", "pods", "-n", ns, "--sort-by=cpu");
        Assert.True(byCpu.ExitCode == 0, byCpu.Stderr);
        Assert.Equal([["NAME", "CPU(cores)", "MEMORY(bytes)"], ["alpha", "1250m", "128Mi"], ["beta", "100m", "300Mi"], ["delta", "0m", "10Mi"]], Rows(byCpu.Stdout));

        var byMemory = await kubectl.RunAsync("top", "pods", "-n", ns, "--sort-by=memory");
        Assert.Equal(["beta", "alpha", "delta"], Rows(byMemory.Stdout).Skip(1).Select(r => r[0]));

        var containers = await kubectl.RunAsync("top", "pods", "-n", ns, "--containers");
        Assert.Equal(
            [["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"], ["alpha", "a1", "250m", "64Mi"], ["alpha", "a2", "1000m", "64Mi"], ["beta", "b1", "100m", "300Mi"], ["delta", "d1", "0m", "10Mi"]],
            Rows(containers.Stdout).OrderBy(r => r[0] == "POD" ? "" : r[0] + "/" + r[1], StringComparer.Ordinal).ToList());

        var labelled = await kubectl.RunAsync("top", "pods", "-n", ns, "-l", "app=beta");
        Assert.Equal([["NAME", "CPU(cores)", "MEMORY(bytes)"], ["beta", "100m", "300Mi"]], Rows(labelled.Stdout));

        var all = await kubectl.RunAsync("top", "pods", "-A");
        Assert.True(all.ExitCode == 0, all.Stderr);
        var allRows = Rows(all.Stdout);
        Assert.Equal(["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"], allRows[0]);
        Assert.Equal([[ns, "alpha", "1250m", "128Mi"], [ns, "beta", "100m", "300Mi"], [ns, "delta", "0m", "10Mi"]], allRows.Where(r => r[0] == ns).ToList());

        // The server-side table, as metrics-server's: pods summed over their containers.
        var table = await kubectl.RunAsync("get", "pods.metrics.k8s.io", "-n", ns);
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Equal([["NAME", "CPU", "MEMORY", "WINDOW"], ["alpha", "1250m", "128Mi", "15s"], ["beta", "100m", "300Mi", "15s"], ["delta", "0", "10Mi", "15s"]], Rows(table.Stdout));

        // Pending pods have no metrics.
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods/pending"), 404, "NotFound", $"podmetrics.metrics.k8s.io \"{ns}/pending\" not found");

        // Lists: all namespaces with a field selector, and nodes by label.
        var byName = (await fx.Client.GetAsync($"{Api}/pods?fieldSelector=metadata.name%3Dalpha,metadata.namespace%3D{ns}")).Object;
        Assert.Equal("PodMetricsList", Str(byName["kind"]));
        Assert.Equal(["alpha"], byName["items"]!.AsArray().Select(i => Str(i!["metadata"]!["name"])));
        var nodeList = (await fx.Client.GetAsync($"{Api}/nodes?labelSelector=metrics-test%3D{ns}")).Object;
        Assert.Equal("NodeMetricsList", Str(nodeList["kind"]));
        Assert.Equal([node], nodeList["items"]!.AsArray().Select(i => Str(i!["metadata"]!["name"])));

        // A pod that is gone drops out of the node's sum at the next round.
        ApiAssert.Code(200, await fx.Client.DeleteAsync($"/api/v1/namespaces/{ns}/pods/beta?gracePeriodSeconds=0"));
        await Eventually.WaitAsync(async _ =>
        {
            fx.Round();
            return Str((await fx.Client.GetAsync($"{Api}/nodes/{node}")).Body?["usage"]?["cpu"]) == "1250m";
        }, TimeSpan.FromSeconds(20), "the node's usage without the deleted pod");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods/beta"), 404, "NotFound", "pod \"beta\" not found");
    }

    [Fact]
    public async Task Requests_WritesWatchesAndUnknownObjects_AreRefusedWithStatus()
    {
        var ns = await fx.NamespaceAsync("merr");
        await fx.CreateNodeAsync($"{ns}-noaddr", null, new JsonObject());
        fx.Round();

        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-nope"), 404, "NotFound", $"node \"{ns}-nope\" not found");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-noaddr"), 404, "NotFound", $"nodemetrics.metrics.k8s.io \"{ns}-noaddr\" not found");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/namespaces/{ns}/pods/ghost"), 404, "NotFound", "pod \"ghost\" not found");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/pods/ghost"), 404, "NotFound");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-noaddr/status"), 404, "NotFound");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes?watch=true"), 405, "MethodNotAllowed", "watch");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes?labelSelector=%21%21bad"), 400, "BadRequest", "unable to parse requirement");

        var post = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync($"{Api}/nodes", new JsonObject { ["apiVersion"] = "metrics.k8s.io/v1beta1", ["kind"] = "NodeMetrics", ["metadata"] = new JsonObject { ["name"] = $"{ns}-made" } }));
        ApiAssert.Failure(post, 405, "MethodNotAllowed", "only read");
        ApiAssert.Failure(await fx.Client.GetAsync($"{Api}/nodes/{ns}-made"), 404, "NotFound", $"node \"{ns}-made\" not found");

        await fx.CreatePodAsync(ns, "keep", $"{ns}-noaddr", ["app"]);
        var delete = await ApiAssert.NoWriteAsync(fx, () => fx.Client.DeleteAsync($"{Api}/namespaces/{ns}/pods/keep"));
        ApiAssert.Failure(delete, 405, "MethodNotAllowed");
        ApiAssert.Code(200, await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/pods/keep"));
        ApiAssert.Failure(await ApiAssert.NoWriteAsync(fx, () => fx.Client.PatchAsync($"{Api}/namespaces/{ns}/pods/keep", "{}", ApiClient.MergePatch)), 405, "MethodNotAllowed");
    }

    [Fact]
    public async Task Rbac_MetricsReaderRole_GrantsWhatWasForbidden()
    {
        var ns = await fx.NamespaceAsync("mrbac");
        var user = $"{ns}-jane";
        var path = $"{Api}/namespaces/{ns}/pods";
        ApiAssert.Failure(await fx.Client.SendWithHeadersAsync(HttpMethod.Get, path, null, null, ("Impersonate-User", user)), 403, "Forbidden", "pods.metrics.k8s.io");

        var role = (await fx.Client.GetAsync("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader")).Object;
        foreach (var aggregate in new[] { "view", "edit", "admin" })
        {
            Assert.Equal("true", Str(role["metadata"]!["labels"]![$"rbac.authorization.k8s.io/aggregate-to-{aggregate}"]));
        }

        ApiAssert.Code(201, await fx.Client.PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "metrics" },
            ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = "system:aggregated-metrics-reader" },
            ["subjects"] = new JsonArray(new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "User", ["name"] = user }),
        }));
        await Eventually.WaitAsync(async _ => (await fx.Client.SendWithHeadersAsync(HttpMethod.Get, path, null, null, ("Impersonate-User", user))).Code == 200, TimeSpan.FromSeconds(10), "the binding to take effect");
        // Only in that namespace.
        ApiAssert.Failure(await fx.Client.SendWithHeadersAsync(HttpMethod.Get, $"{Api}/pods", null, null, ("Impersonate-User", user)), 403, "Forbidden");
    }

    [Fact]
    public async Task Discovery_MetricsGroup_IsListedWithReadVerbs()
    {
        var groups = (await fx.Client.GetAsync("/apis")).Object;
        var group = groups["groups"]!.AsArray().Single(g => Str(g!["name"]) == "metrics.k8s.io")!;
        Assert.Equal("metrics.k8s.io/v1beta1", Str(group["preferredVersion"]!["groupVersion"]));

        var resources = (await fx.Client.GetAsync(Api)).Object["resources"]!.AsArray();
        Assert.Equal(
            [("nodes", "NodeMetrics", false), ("pods", "PodMetrics", true)],
            resources.Select(r => (Str(r!["name"]), Str(r["kind"]), (bool)r["namespaced"]!)).OrderBy(r => r.Item1, StringComparer.Ordinal).ToList());
        Assert.All(resources, r => Assert.Equal(["get", "list"], r!["verbs"]!.AsArray().Select(v => Str(v))));

        var aggregated = await fx.Client.GetAsync("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        ApiAssert.Code(200, aggregated);
        Assert.Contains(aggregated.Object["items"]!.AsArray(), g => Str(g!["metadata"]!["name"]) == "metrics.k8s.io");
    }

    /// <summary>kubectl's table as rows of cells (columns are separated by runs of spaces).</summary>
    private static List<string[]> Rows(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
}
