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
        await using var harness = await HpaHarness.StartAsync();
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
            "the HPA was unable to compute the replica count: unable to get metric requests_per_second: unable to fetch metrics from custom metrics API: no known available metric versions found",
            Assert.Single(hpa.Status.Conditions, c => c.Type == "ScalingActive").Message);
    }

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
