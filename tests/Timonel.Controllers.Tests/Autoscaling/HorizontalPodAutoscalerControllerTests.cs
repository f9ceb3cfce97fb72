using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Autoscaling;

public sealed class HorizontalPodAutoscalerControllerTests
{
    private static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sync_LoadAboveTarget_ScalesOutThenInOnlyAfterTheStabilizationWindow()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-scale");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 2);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 100);
        await harness.PodAsync(ns, deployment, "web-1", cpuMilli: 100);

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("web", "Deployment", "web"), ns);

        // 100 % of the request against a 50 % target: twice the pods.
        await harness.ReplicasAsync(ns, "web", 4);
        var scaled = await harness.ConditionAsync(ns, "web", "AbleToScale", "SucceededRescale");
        Assert.Equal((2, 4), (scaled.Status.CurrentReplicas, scaled.Status.DesiredReplicas));
        Assert.Equal(100, Assert.Single(scaled.Status.CurrentMetrics).Resource.Current.AverageUtilization);
        Assert.Equal("100m", scaled.Status.CurrentMetrics[0].Resource.Current.AverageValue.ToString());
        Assert.NotNull(scaled.Status.LastScaleTime);
        Assert.Equal(scaled.Metadata.Generation, scaled.Status.ObservedGeneration);
        Assert.Contains(harness.Events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 4; reason: cpu resource utilization (percentage of request) above target");
        var active = Assert.Single(scaled.Status.Conditions, c => c.Type == "ScalingActive");
        Assert.Equal(("True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"), (active.Status, active.Reason, active.Message));

        // The load drops to 10 %: the next sync wants 1, but the last five minutes said 4.
        harness.Metrics.Set(ns, "web-0", 10);
        harness.Metrics.Set(ns, "web-1", 10);
        harness.Time.Advance(SyncPeriod);
        var held = await harness.ConditionAsync(ns, "web", "AbleToScale", "ScaleDownStabilized");
        Assert.Equal(10, held.Status.CurrentMetrics[0].Resource.Current.AverageUtilization);
        Assert.Equal(4, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);

        harness.Time.Advance(TimeSpan.FromMinutes(5));
        await harness.ReplicasAsync(ns, "web", 1);
        Assert.Contains(harness.Events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 1; reason: All metrics below target");
    }

    [Fact]
    public async Task Sync_TargetWithoutScaleSubresource_FailedGetScaleThenRetriedWithBackoff()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-noscale");
        await harness.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cfg" } }, ns);

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("cfg", "ConfigMap", "cfg", targetApiVersion: "v1"), ns);

        var hpa = await harness.ConditionAsync(ns, "cfg", "AbleToScale", "FailedGetScale");
        var condition = Assert.Single(hpa.Status.Conditions);
        Assert.Equal("False", condition.Status);
        Assert.Equal("the HPA controller was unable to get the target's current scale: configmaps (ConfigMap) has no scale subresource: it cannot be the target of an autoscaler", condition.Message);
        Assert.Contains(harness.Events, e => e.Reason == "FailedGetScale" && e.Type == "Warning" && e.Message.Contains("has no scale subresource", StringComparison.Ordinal));

        // No retry while the clock stands still; one after the first backoff step passes.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(1, harness.Count("FailedGetScale"));
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitAsync(_ => Task.FromResult(harness.Count("FailedGetScale") == 2), TimeSpan.FromSeconds(30), "a second attempt after the backoff");
    }

    [Fact]
    public async Task Sync_UnknownKindOrMissingTarget_ConditionSaysWhich()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-badref");

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("kind", "Deploymnet", "web"), ns);
        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("gone", "Deployment", "nope"), ns);

        var kind = await harness.ConditionAsync(ns, "kind", "AbleToScale", "FailedGetScale");
        var gone = await harness.ConditionAsync(ns, "gone", "AbleToScale", "FailedGetScale");
        Assert.Equal("the HPA controller was unable to get the target's current scale: no matches for kind \"Deploymnet\" in group \"apps\"", kind.Status.Conditions[0].Message);
        Assert.Equal("the HPA controller was unable to get the target's current scale: deployments.apps \"nope\" not found", gone.Status.Conditions[0].Message);
    }

    [Fact]
    public async Task Sync_UtilizationWithoutRequests_ScalingActiveFalseNamesTheContainer()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-norequest");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1, cpuRequest: null);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 100);

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("web", "Deployment", "web"), ns);

        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "FailedGetResourceMetric");
        var condition = Assert.Single(hpa.Status.Conditions, c => c.Type == "ScalingActive");
        Assert.Equal("False", condition.Status);
        Assert.Equal("the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container c of Pod web-0", condition.Message);
        Assert.Contains(harness.Events, e => e.Reason == "FailedGetResourceMetric" && e.Message == "failed to get cpu utilization: missing request for cpu in container c of Pod web-0");
        Assert.Contains(harness.Events, e => e.Reason == "FailedComputeMetricsReplicas" && e.Message == "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container c of Pod web-0");
        Assert.Equal(1, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task Sync_PodsMetricWithoutCustomMetricsApi_FailedGetPodsMetric()
    {
        await using var harness = await HpaHarness.StartAsync(restCustomMetrics: true);
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-pods");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 100);
        var autoscaler = HpaHarness.Autoscaler("web", "Deployment", "web", cpuPercent: null);
        autoscaler.Spec.Metrics =
        [
            new V2MetricSpec { Type = "Pods", Pods = new V2PodsMetricSource { Metric = new V2MetricIdentifier { Name = "requests_per_second" }, Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("10") } } },
        ];

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns);

        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "FailedGetPodsMetric");
        Assert.Equal(
            "the HPA was unable to compute the replica count: unable to get metric requests_per_second: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered",
            Assert.Single(hpa.Status.Conditions, c => c.Type == "ScalingActive").Message);
    }

    [Fact]
    public async Task Sync_ExternalMetricWithoutExternalMetricsApi_FailedGetExternalMetricWithTheServersAnswer()
    {
        await using var harness = await HpaHarness.StartAsync(restCustomMetrics: true);
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-ext-none");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 100);
        var autoscaler = HpaHarness.Autoscaler("web", "Deployment", "web", cpuPercent: null);
        autoscaler.Spec.Metrics = [External("queue", value: null, average: "5")];

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns);

        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "FailedGetExternalMetric");
        Assert.StartsWith(
            $"the HPA was unable to compute the replica count: unable to get external metric {ns}/queue/nil: unable to fetch metrics from external metrics API: ",
            Assert.Single(hpa.Status.Conditions, c => c.Type == "ScalingActive").Message);
        Assert.Equal(1, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task Sync_PodsMetric_ScalesOnTheAverageWithTheSelectorsAndReportsIt()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-podsmetric");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 2);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 0);
        await harness.PodAsync(ns, deployment, "web-1", cpuMilli: 0);
        harness.CustomMetrics.SetPod(ns, "qps", "web-0", 20_000);
        harness.CustomMetrics.SetPod(ns, "qps", "web-1", 20_000);
        var autoscaler = HpaHarness.Autoscaler("web", "Deployment", "web", cpuPercent: null);
        autoscaler.Spec.Metrics =
        [
            new V2MetricSpec
            {
                Type = "Pods",
                Pods = new V2PodsMetricSource
                {
                    Metric = new V2MetricIdentifier { Name = "qps", Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["verb"] = "GET" } } },
                    Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("10") },
                },
            },
        ];

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns);

        // 20 per pod against 10: twice the two pods.
        await harness.ReplicasAsync(ns, "web", 4);
        var hpa = await harness.ConditionAsync(ns, "web", "AbleToScale", "SucceededRescale");
        var current = Assert.Single(hpa.Status.CurrentMetrics);
        Assert.Equal(("Pods", "qps", "20"), (current.Type, current.Pods.Metric.Name, current.Pods.Current.AverageValue.ToString()));
        Assert.Equal("GET", current.Pods.Metric.Selector.MatchLabels["verb"]);
        Assert.Contains(harness.Events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 4; reason: pods metric qps above target");
        Assert.Contains("pods qps app=web verb=GET", harness.CustomMetrics.Calls);
    }

    [Fact]
    public async Task Sync_ObjectMetricValue_ScalesAndReportsTheDescribedObject()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-object");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 0);
        harness.CustomMetrics.SetObject(ns, "hits", "Ingress", "main", 2_500);
        var autoscaler = HpaHarness.Autoscaler("web", "Deployment", "web", cpuPercent: null);
        autoscaler.Spec.Metrics =
        [
            new V2MetricSpec
            {
                Type = "Object",
                ObjectProperty = new V2ObjectMetricSource
                {
                    DescribedObject = new V2CrossVersionObjectReference { ApiVersion = "networking.k8s.io/v1", Kind = "Ingress", Name = "main" },
                    Metric = new V2MetricIdentifier { Name = "hits" },
                    Target = new V2MetricTarget { Type = "Value", Value = new ResourceQuantity("1") },
                },
            },
        ];

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns);

        // 2.5 against 1 with one ready pod: 3.
        await harness.ReplicasAsync(ns, "web", 3);
        var hpa = await harness.ConditionAsync(ns, "web", "AbleToScale", "SucceededRescale");
        var current = Assert.Single(hpa.Status.CurrentMetrics).ObjectProperty;
        Assert.Equal(("Ingress", "main", "hits", "2500m"), (current.DescribedObject.Kind, current.DescribedObject.Name, current.Metric.Name, current.Current.Value.ToString()));
        Assert.Contains(harness.Events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 3; reason: Ingress metric hits above target");
    }

    [Fact]
    public async Task Sync_ExternalMetricFailsThenRecovers_ConditionEventNoRescaleThenScales()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-external");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 2);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 0);
        await harness.PodAsync(ns, deployment, "web-1", cpuMilli: 0);
        harness.CustomMetrics.Fail("queue", "unable to fetch metrics from external metrics API: the server is currently unable to handle the request (get queue.external.metrics.k8s.io)");
        var autoscaler = HpaHarness.Autoscaler("web", "Deployment", "web", cpuPercent: null);
        autoscaler.Spec.Metrics = [External("queue", value: "30", average: null)];

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(autoscaler, ns);

        var failed = await harness.ConditionAsync(ns, "web", "ScalingActive", "FailedGetExternalMetric");
        var cause = $"unable to get external metric {ns}/queue/nil: unable to fetch metrics from external metrics API: the server is currently unable to handle the request (get queue.external.metrics.k8s.io)";
        Assert.Equal(("False", $"the HPA was unable to compute the replica count: {cause}"), (failed.Status.Conditions.Single(c => c.Type == "ScalingActive").Status, failed.Status.Conditions.Single(c => c.Type == "ScalingActive").Message));
        Assert.Contains(harness.Events, e => e.Reason == "FailedGetExternalMetric" && e.Type == "Warning" && e.Message == cause);
        Assert.Contains(harness.Events, e => e.Reason == "FailedComputeMetricsReplicas" && e.Message == $"invalid metrics (1 invalid out of 1), first error is: failed to get queue external metric value: failed to get external metric queue: {cause}");
        Assert.Equal(2, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);

        // Retried with backoff, not in a loop: one more attempt per step of the clock.
        var attempts = harness.CustomMetrics.Calls.Count;
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(attempts, harness.CustomMetrics.Calls.Count);

        // The API answers 60 in two series against a total of 30: twice the two ready pods.
        harness.CustomMetrics.Fail("queue", null);
        harness.CustomMetrics.SetExternal(ns, "queue", 25_000, 35_000);
        harness.Time.Advance(TimeSpan.FromSeconds(15));
        await harness.ReplicasAsync(ns, "web", 4);
        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "ValidMetricFound");
        Assert.Equal("60", Assert.Single(hpa.Status.CurrentMetrics).External.Current.Value.ToString());
        Assert.Contains(harness.Events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 4; reason: external metric queue(nil) above target");
    }

    [Fact]
    public async Task Sync_TwoAutoscalersOnTheSamePods_AmbiguousSelectorUntilOneGoes()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-ambiguous");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 50);

        // Alone, the first autoscaler works.
        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("first", "Deployment", "web"), ns);
        await harness.ConditionAsync(ns, "first", "ScalingActive", "ValidMetricFound");

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("second", "Deployment", "web"), ns);

        var second = await harness.ConditionAsync(ns, "second", "ScalingActive", "AmbiguousSelector");
        var message = $"pods by selector app=web are controlled by multiple HPAs: [{ns}/first {ns}/second]";
        Assert.Equal(message, second.Status.Conditions.Single(c => c.Type == "ScalingActive").Message);
        harness.Time.Advance(TimeSpan.FromSeconds(15));
        await harness.ConditionAsync(ns, "first", "ScalingActive", "AmbiguousSelector");
        Assert.Contains(harness.Events, e => e.ObjectName == "first" && e.Reason == "AmbiguousSelector" && e.Message == message);
        Assert.Contains(harness.Events, e => e.ObjectName == "second" && e.Reason == "FailedComputeMetricsReplicas" && e.Message == message);

        await harness.Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync("second", ns);
        await Eventually.WaitAsync(
            async ct =>
            {
                harness.Time.Advance(TimeSpan.FromSeconds(15));
                var first = await harness.Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("first", ns, cancellationToken: ct);
                return first.Status.Conditions.Any(c => c.Type == "ScalingActive" && c.Reason == "ValidMetricFound");
            },
            TimeSpan.FromSeconds(30),
            "first to work again once second is gone");
    }

    private static V2MetricSpec External(string name, string? value, string? average) => new()
    {
        Type = "External",
        External = new V2ExternalMetricSource
        {
            Metric = new V2MetricIdentifier { Name = name },
            Target = new V2MetricTarget { Type = value is null ? "AverageValue" : "Value", Value = value is null ? null : new ResourceQuantity(value), AverageValue = average is null ? null : new ResourceQuantity(average) },
        },
    };

    [Fact]
    public async Task Sync_TargetScaledToZero_ScalingDisabled()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-zero");
        await harness.DeploymentAsync(ns, "web", replicas: 0);

        await harness.Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(HpaHarness.Autoscaler("web", "Deployment", "web"), ns);

        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "ScalingDisabled");
        Assert.Equal("scaling is disabled since the replica count of the target is zero", Assert.Single(hpa.Status.Conditions, c => c.Type == "ScalingActive").Message);
        Assert.Equal(0, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task Sync_AutoscalingV1Object_ScalesAndReportsCurrentCpuUtilization()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-v1");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 1);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 90);
        var v1 = new V1HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V1CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                MaxReplicas = 3,
                TargetCPUUtilizationPercentage = 30,
            },
        };

        await harness.Client.AutoscalingV1.CreateNamespacedHorizontalPodAutoscalerAsync(v1, ns);

        await harness.ReplicasAsync(ns, "web", 3);
        var read = await Eventually.WaitAsync(
            async ct => await harness.Client.AutoscalingV1.ReadNamespacedHorizontalPodAutoscalerAsync("web", ns, cancellationToken: ct) is { Status.CurrentCPUUtilizationPercentage: 90 } hpa ? hpa : null,
            TimeSpan.FromSeconds(30),
            "v1 status with the current utilization");
        Assert.Equal((1, 3), (read.Status.CurrentReplicas, read.Status.DesiredReplicas));
    }

    [Fact]
    public async Task KubectlAutoscale_CpuPercent_ControllerFillsTargetsColumn()
    {
        await using var harness = await HpaHarness.StartAsync();
        var ns = await harness.Cluster.CreateNamespaceAsync("hpa-kubectl");
        var deployment = await harness.DeploymentAsync(ns, "web", replicas: 2);
        await harness.PodAsync(ns, deployment, "web-0", cpuMilli: 30);
        await harness.PodAsync(ns, deployment, "web-1", cpuMilli: 30);
        var kubectl = new KubectlRunner(KubectlRunner.Latest, harness.Cluster.KubeconfigPath, Directory.CreateTempSubdirectory("hpa-home-").FullName);

        var created = await kubectl.RunAsync("autoscale", "deploy/web", "-n", ns, "--cpu-percent=50", "--min=1", "--max=5");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal("horizontalpodautoscaler.autoscaling/web autoscaled", created.Stdout.Trim());

        var hpa = await harness.ConditionAsync(ns, "web", "ScalingActive", "ValidMetricFound");
        Assert.Equal(("Deployment", "web", 1, 5), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name, hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
        var run = await kubectl.RunAsync("get", "hpa", "web", "-n", ns);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$", lines[0]);
        Assert.Matches(@"^web\s+Deployment/web\s+cpu: 30%/50%\s+1\s+5\s+2\s+\S+$", lines[1]);
        Assert.Equal(2, (await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }
}
