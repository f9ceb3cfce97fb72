using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using Timonel.Simulator;

namespace Timonel.Cli.Bench;

/// <summary>
/// HPA sync latency on a private server: <c>hpas</c> Deployments of one replica on simulated
/// nodes, each under an autoscaler at 50 % of a 100m request, whose pods report 50m (at
/// target). Every pod's <c>timonel.dev/sim-cpu</c> is then raised to 200m; the benchmark polls
/// metrics.k8s.io and the Deployments every 100 ms and reports, per Deployment, the time from
/// the first poll that served the new usage to the first poll that saw the scale write. That is
/// the controller's share: the wait for the next sync period plus the sync itself.
/// </summary>
internal sealed class HpaLatencyMeasurement(int hpas, string syncPeriod, TextWriter log)
{
    private const string Ns = "hpa-bench";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PhaseLimit = TimeSpan.FromMinutes(5);

    public sealed record Result(int Hpas, string SyncPeriod, int Measured, double P50Ms, double P90Ms, double MaxMs, double ServerCpuSecondsPerMinute, long? ServerRssBytes);

    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        await using var target = await BenchTarget.StartChildAsync(null, cancellationToken, "--metrics-resolution", "10s", "--horizontal-pod-autoscaler-sync-period", syncPeriod).ConfigureAwait(false);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(target.KubeconfigPath!));
        await WaitReadyAsync(client, cancellationToken).ConfigureAwait(false);

        var nodes = hpas / 100 + 1;
        for (var i = 0; i < nodes; i++)
        {
            await client.CoreV1.CreateNodeAsync(new SimulatedNodeTemplate().Build(string.Create(CultureInfo.InvariantCulture, $"sim-{i}")), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(Enumerable.Range(0, hpas), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment(Name(i)), Ns, cancellationToken: ct).ConfigureAwait(false);
            await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Autoscaler(Name(i)), Ns, cancellationToken: ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        log.WriteLine($"  {hpas} deployments and autoscalers on {nodes} simulated nodes; waiting until every autoscaler has read its metrics");

        // Every autoscaler has a current metric: the next change is the one measured.
        await UntilAsync(async ct =>
        {
            var list = await client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(Ns, cancellationToken: ct).ConfigureAwait(false);
            return list.Items.Count(h => h.Status?.CurrentMetrics is { Count: > 0 }) == hpas;
        }, "every autoscaler reading its metrics", cancellationToken).ConfigureAwait(false);

        var pods = await client.CoreV1.ListNamespacedPodAsync(Ns, cancellationToken: cancellationToken).ConfigureAwait(false);
        var raise = new V1Patch("{\"metadata\":{\"annotations\":{\"" + Api.Nodes.SimulatedUsage.Cpu + "\":\"200m\"}}}", V1Patch.PatchType.MergePatch);
        await Parallel.ForEachAsync(pods.Items, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (pod, ct) =>
            await client.CoreV1.PatchNamespacedPodAsync(raise, pod.Name(), Ns, cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);

        var serverCpuBefore = ServerCpu(target.Pid);
        var clock = Stopwatch.StartNew();
        var metricsSeen = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var scaled = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        await UntilAsync(async ct =>
        {
            var now = clock.Elapsed;
            var metrics = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync("metrics.k8s.io", "v1beta1", Ns, "pods", cancellationToken: ct).ConfigureAwait(false);
            foreach (var item in metrics.GetProperty("items").EnumerateArray())
            {
                var pod = item.GetProperty("metadata").GetProperty("name").GetString()!;
                var deployment = pod[..pod.IndexOf('-', StringComparison.Ordinal)];
                var cpu = item.GetProperty("containers")[0].GetProperty("usage").GetProperty("cpu").GetString()!;
                if (new ResourceQuantity(cpu).ToDecimal() >= 0.15m)
                {
                    metricsSeen.TryAdd(deployment, now);
                }
            }

            var deployments = await client.AppsV1.ListNamespacedDeploymentAsync(Ns, cancellationToken: ct).ConfigureAwait(false);
            foreach (var d in deployments.Items.Where(d => d.Spec.Replicas > 1))
            {
                scaled.TryAdd(d.Name(), now);
            }

            return scaled.Count == hpas;
        }, "every deployment scaled", cancellationToken).ConfigureAwait(false);
        var elapsedMinutes = clock.Elapsed.TotalMinutes;
        var serverCpu = (ServerCpu(target.Pid) - serverCpuBefore).TotalSeconds;

        // A scale seen in the same poll as its metrics (or before: the poll that served them raced the sync) counts as 0.
        var latencies = scaled.Where(s => metricsSeen.ContainsKey(s.Key)).Select(s => Math.Max(0, (s.Value - metricsSeen[s.Key]).TotalMilliseconds)).Order().ToList();
        return new Result(hpas, syncPeriod, latencies.Count, Percentile(latencies, 0.5), Percentile(latencies, 0.9), latencies.Count == 0 ? double.NaN : latencies[^1],
            serverCpu / elapsedMinutes, target.Pid is { } pid ? ProcessStats.RssBytes(pid) : null);
    }

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"d{i}");

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static TimeSpan ServerCpu(int? pid)
    {
        try
        {
            return pid is { } id ? Process.GetProcessById(id).TotalProcessorTime : TimeSpan.Zero;
        }
        catch (ArgumentException)
        {
            return TimeSpan.Zero;
        }
    }

    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta
                {
                    Labels = new Dictionary<string, string> { ["app"] = name },
                    Annotations = new Dictionary<string, string> { [Api.Nodes.SimulatedUsage.Cpu] = "50m" },
                },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "app", Image = "nginx", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } }],
                },
            },
        },
    };

    private static V2HorizontalPodAutoscaler Autoscaler(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name },
            MinReplicas = 1,
            MaxReplicas = 4,
            Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 } } }],
        },
    };

    private static async Task WaitReadyAsync(Kubernetes client, CancellationToken cancellationToken) =>
        await UntilAsync(async ct =>
        {
            try
            {
                await client.CoreV1.ListNamespaceAsync(cancellationToken: ct).ConfigureAwait(false);
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the server answering", cancellationToken).ConfigureAwait(false);

    private static async Task UntilAsync(Func<CancellationToken, Task<bool>> done, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done(cancellationToken).ConfigureAwait(false))
        {
            if (deadline.Elapsed > PhaseLimit)
            {
                throw new TimeoutException($"no {what} within {PhaseLimit.TotalMinutes:F0} min");
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }
}
