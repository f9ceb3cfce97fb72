using System.Text.RegularExpressions;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// Autoscalers on Pods and External metrics served by a custom metrics adapter the test runs on
/// 127.0.0.1 and registers with APIServices (kubectl apply), so the controller reads them through
/// the aggregator, as with prometheus-adapter or KEDA. Deployments run on simulated nodes.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class CustomMetricsAutoscalingTests : IClassFixture<CustomMetricsAutoscalingCluster>, IAsyncLifetime
{
    private const string AdapterNs = "custom-metrics";
    private const string Ns = "cm-apps";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private readonly CustomMetricsAutoscalingCluster cluster;
    private readonly ITestOutputHelper output;
    private CustomMetricsServer? adapter;

    public CustomMetricsAutoscalingTests(CustomMetricsAutoscalingCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    private CustomMetricsServer Adapter => adapter ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        adapter = await CustomMetricsServer.StartAsync($"adapter.{AdapterNs}.svc", cluster.Server.KubeconfigPath);
        adapter.SetPodsTotal("requests_per_second", 10);
        adapter.SetExternal("queue_length", 0);
        var kubectl = cluster.Kubectl;
        await kubectl.CreateNamespaceAsync(AdapterNs);
        await kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await kubectl.ApplyAsync($"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: adapter, namespace: {AdapterNs}{"}"}
            spec:
              ports: [{"{"}port: 443, targetPort: {Adapter.Port}{"}"}]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: adapter-1
              namespace: {AdapterNs}
              labels: {"{"}kubernetes.io/service-name: adapter{"}"}
            addressType: IPv4
            endpoints:
            - addresses: [127.0.0.1]
              conditions: {"{"}ready: true{"}"}
            ports:
            - {"{"}name: "", port: {Adapter.Port}, protocol: TCP{"}"}
            ---
            {ApiService("custom.metrics.k8s.io", "v1beta2")}
            ---
            {ApiService("external.metrics.k8s.io", "v1beta1")}
            """));
        KubectlAssert.Succeeds(await kubectl.RunAsync(
            ["wait", "--for=condition=Available", "apiservice/v1beta2.custom.metrics.k8s.io", "apiservice/v1beta1.external.metrics.k8s.io", "--timeout=60s"], null, timeout: TimeSpan.FromSeconds(70)));
    }

    public async Task DisposeAsync()
    {
        await cluster.Kubectl.RunAsync("delete", "apiservice", "v1beta2.custom.metrics.k8s.io", "v1beta1.external.metrics.k8s.io", "--ignore-not-found");
        await cluster.Kubectl.RunAsync("delete", "namespace", Ns, AdapterNs, "--wait=false");
        if (adapter is not null)
        {
            await adapter.DisposeAsync();
        }
    }

    [Fact]
    public async Task PodsAndExternalMetrics_ThroughAnAggregatedAdapter_ScaleOutWhenRaisedAndInWhenLowered()
    {
        var kubectl = cluster.Kubectl;
        KubectlAssert.Succeeds(await kubectl.ApplyAsync(Workload("web", """
              - type: Pods
                pods:
                  metric: {name: requests_per_second}
                  target: {type: AverageValue, averageValue: "10"}
            """) + "\n---\n" + Workload("worker", """
              - type: External
                external:
                  metric: {name: queue_length, selector: {matchLabels: {queue: jobs}}}
                  target: {type: AverageValue, averageValue: "5"}
            """)));

        // At target (10 requests/s over the one pod): read, shown, and left at 1.
        await TargetsAsync("web", @"^10/10$");
        await TargetsAsync("worker", @"^0/5 \(avg\)$");
        Assert.Equal("1", await ReplicasAsync("web"));

        // Three times the load: out to 3 pods, after which each carries 10 again.
        Adapter.SetPodsTotal("requests_per_second", 30);
        await WaitForReplicasAsync("web", 3);
        await TargetsAsync("web", @"^10/10$");
        output.WriteLine($"web scaled out: {await DescribeEventsAsync("web")}");

        // The load falls to 5 in all (1.67 per pod): back in to 1.
        Adapter.SetPodsTotal("requests_per_second", 5);
        await WaitForReplicasAsync("web", 1);

        // The queue grows to 20 at 5 per pod: 4 workers; then it empties: 1.
        Adapter.SetExternal("queue_length", 20);
        await WaitForReplicasAsync("worker", 4);
        await TargetsAsync("worker", @"^5/5 \(avg\)$");
        Adapter.SetExternal("queue_length", 2);
        await WaitForReplicasAsync("worker", 1);

        var describe = KubectlAssert.Succeeds(await kubectl.RunAsync("-n", Ns, "describe", "hpa", "worker")).Stdout;
        Assert.Contains("New size: 4; reason: external metric queue_length(&LabelSelector{MatchLabels:map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},}) above target", describe, StringComparison.Ordinal);
        Assert.Contains("ValidMetricFound", describe, StringComparison.Ordinal);

        // The adapter saw the pods' selector and the metric selector, asked as the autoscaler.
        Assert.Contains(Adapter.Requests, r => r.StartsWith($"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{Ns}/pods/*/requests_per_second?labelSelector=app%3Dweb", StringComparison.Ordinal)
            && r.EndsWith("as system:serviceaccount:kube-system:horizontal-pod-autoscaler", StringComparison.Ordinal));
        Assert.Contains(Adapter.Requests, r => r.StartsWith($"/apis/external.metrics.k8s.io/v1beta1/namespaces/{Ns}/queue_length?labelSelector=queue%3Djobs", StringComparison.Ordinal));

        // The external API goes away: the autoscaler says so and keeps its size.
        KubectlAssert.Succeeds(await kubectl.RunAsync("delete", "apiservice", "v1beta1.external.metrics.k8s.io"));
        var failed = await Eventually.WaitAsync(
            async _ =>
            {
                var r = await kubectl.RunAsync("-n", Ns, "get", "hpa", "worker", "-o", "jsonpath={.status.conditions[?(@.type==\"ScalingActive\")].reason} {.status.conditions[?(@.type==\"ScalingActive\")].message}");
                return r.Stdout.StartsWith("FailedGetExternalMetric ", StringComparison.Ordinal) ? r.Stdout : null;
            },
            Limit,
            "worker's ScalingActive to be FailedGetExternalMetric");
        Assert.Contains("unable to get external metric cm-apps/queue_length/", failed, StringComparison.Ordinal);
        Assert.Contains("unable to fetch metrics from external metrics API:", failed, StringComparison.Ordinal);
        Assert.Equal("1", await ReplicasAsync("worker"));
    }

    private string ApiService(string group, string version) => $"""
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata: {"{"}name: {version}.{group}{"}"}
        spec:
          group: {group}
          version: {version}
          groupPriorityMinimum: 100
          versionPriority: 100
          service: {"{"}namespace: {AdapterNs}, name: adapter, port: 443{"}"}
          caBundle: {Adapter.CaBundleBase64}
        """;

    private static string Workload(string name, string metrics) => $$$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{{name}}}, namespace: {{{Ns}}}}
        spec:
          replicas: 1
          selector: {matchLabels: {app: {{{name}}}}}
          template:
            metadata: {labels: {app: {{{name}}}}}
            spec:
              containers:
              - {name: app, image: nginx}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: {{{name}}}, namespace: {{{Ns}}}}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{{name}}}}
          minReplicas: 1
          maxReplicas: 5
          behavior:
            scaleDown: {stabilizationWindowSeconds: 0}
          metrics:
        {{{metrics}}}
        """;

    private async Task<string> ReplicasAsync(string name) =>
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", Ns, "get", "deploy", name, "-o", "jsonpath={.spec.replicas}")).Stdout.Trim();

    private async Task WaitForReplicasAsync(string name, int expected)
    {
        try
        {
            await Eventually.WaitAsync(async _ => await ReplicasAsync(name) == expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Limit, $"{name} at {expected} replicas");
        }
        catch (TimeoutException e)
        {
            var describe = await cluster.Kubectl.RunAsync("-n", Ns, "describe", "hpa", name);
            throw new TimeoutException($"{e.Message}\n{describe.Stdout}{describe.Stderr}\n{cluster.Server.LogTail()}", e);
        }
    }

    // `kubectl get hpa NAME` until its TARGETS column matches.
    private async Task TargetsAsync(string name, string pattern)
    {
        var last = "";
        try
        {
            await Eventually.WaitAsync(
                async _ =>
                {
                    var r = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", Ns, "get", "hpa", name));
                    var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                    last = r.Stdout;
                    var targets = lines.Length == 2 ? TargetsCell(lines[0], lines[1]) : "";
                    return Regex.IsMatch(targets, pattern);
                },
                Limit,
                $"{name}'s TARGETS to match {pattern}");
        }
        catch (TimeoutException e)
        {
            var describe = await cluster.Kubectl.RunAsync("-n", Ns, "describe", "hpa", name);
            throw new TimeoutException($"{e.Message}; last:\n{last}\n{describe.Stdout}", e);
        }
    }

    // The TARGETS cell, cut by the header's column positions (it may hold spaces: "5/5 (avg)").
    private static string TargetsCell(string header, string row)
    {
        var start = header.IndexOf("TARGETS", StringComparison.Ordinal);
        var end = header.IndexOf("MINPODS", StringComparison.Ordinal);
        return start < 0 || end < 0 || row.Length < end ? "" : row[start..end].Trim();
    }

    private async Task<string> DescribeEventsAsync(string name) =>
        (await cluster.Kubectl.RunAsync("-n", Ns, "get", "events", "--field-selector", $"involvedObject.name={name},reason=SuccessfulRescale", "-o", "jsonpath={.items[*].message}")).Stdout;
}

/// <summary>A server with two simulated nodes, reconciling autoscalers every 3 s.</summary>
public sealed class CustomMetricsAutoscalingCluster : SimulatedCluster
{
    protected override IReadOnlyList<string> ServerArgs => ["--horizontal-pod-autoscaler-sync-period", "3s"];

    protected override async Task CreateNodesAsync()
    {
        await SimNodesAsync("--count", "2");
        KubectlAssert.Succeeds(await Kubectl.RunAsync(["wait", "--for=condition=Ready", "nodes", "--all", "--timeout=90s"], null, timeout: TimeSpan.FromSeconds(100)));
    }
}
