using System.Text.RegularExpressions;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// Autoscaling with real containers, through every piece: the agent's /metrics/resource read
/// from cgroups, the API server's collector and metrics.k8s.io (kubectl top), and the HPA
/// controller writing the Deployment's scale.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class AutoscalingTests : IClassFixture<AutoscalingCluster>
{
    private static readonly TimeSpan ScaleLimit = TimeSpan.FromSeconds(120);

    private readonly AutoscalingCluster cluster;
    private readonly ITestOutputHelper output;

    public AutoscalingTests(AutoscalingCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [NodeFact]
    public async Task Hpa_BusyboxBurningCpu_ScalesOutThenBackToOneWhenTheLoadStops()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("hpa");
        var started = DateTime.UtcNow;

        // Each replica spins a core until /tmp/stop exists: far above 50 % of its 100m request.
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync($$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: burn, namespace: {{{ns}}}}
            spec:
              replicas: 1
              selector: {matchLabels: {app: burn}}
              template:
                metadata: {labels: {app: burn}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: burn
                    image: {{{AgentProcess.BusyboxImage}}}
                    command: [sh, -c, "while [ ! -f /tmp/stop ]; do :; done; sleep 100000"]
                    resources: {requests: {cpu: 100m}}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: burn, namespace: {{{ns}}}}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
              minReplicas: 1
              maxReplicas: 3
              metrics:
              - type: Resource
                resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
              behavior:
                scaleDown: {stabilizationWindowSeconds: 15}
            """));

        // kubectl top sees the burning pod and the node once the collector has two samples.
        var top = await Eventually.WaitAsync(
            async _ =>
            {
                var r = await cluster.Kubectl.RunAsync("-n", ns, "top", "pods", "--no-headers");
                return r.ExitCode == 0 && TopPodCpu().Match(r.Stdout) is { Success: true } m && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 50 ? r.Stdout : null;
            },
            ScaleLimit,
            $"kubectl top pods shows the burning pod above 50m\n{cluster.Server.LogTail()}");
        output.WriteLine($"top pods after {(DateTime.UtcNow - started).TotalSeconds:0}s:\n{top}");
        var nodes = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("top", "nodes"));
        Assert.Matches(@"NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)", nodes.Stdout);
        Assert.Matches(@"node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", nodes.Stdout);

        await Eventually.WaitAsync(
            async _ => int.TryParse(await cluster.Kubectl.JsonPathAsync(ns, "deploy/burn", "{.spec.replicas}"), out var n) && n > 1,
            ScaleLimit,
            $"the autoscaler scales burn above 1 replica\n{await DescribeAsync(ns)}");
        output.WriteLine($"scaled out after {(DateTime.UtcNow - started).TotalSeconds:0}s");
        var hpa = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "get", "hpa", "burn"));
        Assert.Matches(@"burn\s+Deployment/burn\s+cpu: \d+%/50%\s+1\s+3\s+\d", hpa.Stdout);
        ReportAgentMemory();

        // Stop the load in every replica, including those created while this runs.
        var stopped = new HashSet<string>(StringComparer.Ordinal);
        await Eventually.WaitAsync(
            async _ =>
            {
                foreach (var (pod, state) in await cluster.PodsAsync(ns, "app=burn"))
                {
                    if (state.Phase == "Running" && !stopped.Contains(pod)
                        && (await cluster.Kubectl.RunAsync("-n", ns, "exec", pod, "--", "touch", "/tmp/stop")).ExitCode == 0)
                    {
                        stopped.Add(pod);
                    }
                }

                return await cluster.Kubectl.JsonPathAsync(ns, "deploy/burn", "{.spec.replicas}") == "1";
            },
            ScaleLimit,
            $"the autoscaler scales burn back to 1 once the load stops\n{await DescribeAsync(ns)}");
        output.WriteLine($"back to 1 after {(DateTime.UtcNow - started).TotalSeconds:0}s; load stopped in {stopped.Count} pods");

        var events = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale", "-o", "jsonpath={.items[*].message}"));
        Assert.Contains("New size: 1; reason: All metrics below target", events.Stdout, StringComparison.Ordinal);
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [GeneratedRegex(@"^\S+\s+(\d+)m\s+\d+Mi", RegexOptions.Multiline)]
    private static partial Regex TopPodCpu();

    private async Task<string> DescribeAsync(string ns) =>
        (await cluster.Kubectl.RunAsync("-n", ns, "describe", "hpa", "burn")).ToString()
        + (await cluster.Kubectl.RunAsync("-n", ns, "top", "pods")).ToString();

    /// <summary>The agent's resident memory while its /metrics/resource is scraped (a figure for docs/benchmarks.md).</summary>
    private void ReportAgentMemory()
    {
        if (cluster.Agents[0].ProcessId is { } pid)
        {
            var rss = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))?.Split(':')[1].Trim();
            output.WriteLine($"agent RSS {rss} with metrics scraped every 10s and the burning replicas running");
        }
    }
}

/// <summary>
/// A single-node cluster whose metrics and autoscaler run at their quickest, so one scale-out and
/// scale-in fit in about a minute: scrapes every 10 s (the least --metrics-resolution takes), the
/// autoscalers reconciled every 5 s.
/// </summary>
public sealed class AutoscalingCluster : MultiNodeCluster
{
    protected override int NodeCount => 1;

    protected override IReadOnlyList<string> ServerArgs => ["--metrics-resolution", "10s", "--horizontal-pod-autoscaler-sync-period", "5s"];
}
