using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Api.Selectors;
using Timonel.Controllers.Autoscaling;
using Xunit;

namespace Timonel.Controllers.Tests.Autoscaling;

/// <summary>Cases modelled on upstream's replica_calculator_test.go (requests of 1 CPU unless said).</summary>
public sealed class ReplicaCalculatorTests
{
    private const string Ns = "default";
    private static readonly LabelSelector Selector = LabelSelector.FromSet(TestObjects.AppLabels);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeResourceMetrics _metrics;
    private readonly ReplicaCalculator _calculator;

    public ReplicaCalculatorTests()
    {
        _metrics = new FakeResourceMetrics(_time);
        _calculator = new ReplicaCalculator(_metrics, new HpaOptions(), _time);
    }

    // A Running pod started 10 minutes ago, ready since its start + 1 minute (or unready and never ready).
    private V1Pod Pod(string name, string? request = "1", bool ready = true, string phase = "Running", TimeSpan? startedAgo = null, Dictionary<string, string>? containerRequests = null)
    {
        var start = _time.GetUtcNow() - (startedAgo ?? TimeSpan.FromMinutes(10));
        var containers = containerRequests is null
            ? [Container("c", request)]
            : containerRequests.Select(c => Container(c.Key, c.Value)).ToList();
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, Labels = TestObjects.AppLabels },
            Spec = new V1PodSpec { Containers = containers },
            Status = new V1PodStatus
            {
                Phase = phase,
                StartTime = start.UtcDateTime,
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = (ready ? start + TimeSpan.FromMinutes(1) : start).UtcDateTime }],
            },
        };
    }

    private static V1Container Container(string name, string? request) => new()
    {
        Name = name,
        Image = "busybox",
        Resources = new V1ResourceRequirements { Requests = request is null ? null : new Dictionary<string, ResourceQuantity> { ["cpu"] = new(request) } },
    };

    private Task<ResourceProposal> Utilization(int current, int target, IReadOnlyList<V1Pod> pods, string? container = null) =>
        _calculator.ResourceReplicasAsync(current, target, "cpu", Ns, Selector, container, pods, CancellationToken.None);

    private List<V1Pod> PodsWithUsage(params long[] milli)
    {
        var pods = new List<V1Pod>();
        for (var i = 0; i < milli.Length; i++)
        {
            pods.Add(Pod($"p{i}"));
            _metrics.Set(Ns, $"p{i}", milli[i]);
        }

        return pods;
    }

    [Fact]
    public async Task ResourceReplicas_ScaleUp_ProposesRatioTimesReadyPods()
    {
        var proposal = await Utilization(3, 30, PodsWithUsage(300, 500, 700));

        Assert.Equal((5, 50, 500L), (proposal.Replicas, proposal.Utilization, proposal.RawAverage));
    }

    [Fact]
    public async Task ResourceReplicas_ScaleDown_ProposesRatioTimesReadyPods()
    {
        var proposal = await Utilization(5, 50, PodsWithUsage(100, 300, 500, 250, 250));

        Assert.Equal((3, 28), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_WithinTolerance_KeepsCurrent()
    {
        var proposal = await Utilization(3, 100, PodsWithUsage(1050, 1050, 1050));

        Assert.Equal((3, 105), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_JustOutsideTolerance_Scales()
    {
        var proposal = await Utilization(3, 100, PodsWithUsage(1150, 1150, 1150));

        Assert.Equal(4, proposal.Replicas);
    }

    [Fact]
    public async Task ResourceReplicas_UnreadyPodOnScaleUp_CountsItAtZero()
    {
        // Upstream's TestReplicaCalcScaleUpUnreadyLessScale: ready pods alone would give 6.
        var pods = PodsWithUsage(300, 500, 700);
        pods[0] = Pod("p0", ready: false);

        var proposal = await Utilization(3, 30, pods);

        Assert.Equal((4, 60), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_PendingPodOnScaleDown_IsLeftOut()
    {
        var pods = PodsWithUsage(100, 100, 100);
        pods[2] = Pod("p2", phase: "Pending");

        var proposal = await Utilization(3, 50, pods);

        Assert.Equal((1, 10), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_CpuSampleTakenBeforeAFullWindowOfReadiness_IsUnready()
    {
        // Started a minute ago (within the 5 min initialization period), ready 10 s ago: a 15 s window since then has not passed.
        var pods = PodsWithUsage(300, 500, 700);
        var young = Pod("p0", startedAgo: TimeSpan.FromMinutes(1));
        young.Status.Conditions[0].LastTransitionTime = (_time.GetUtcNow() - TimeSpan.FromSeconds(10)).UtcDateTime;
        pods[0] = young;

        var proposal = await Utilization(3, 30, pods);

        Assert.Equal((4, 60), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_MissingMetricOnScaleDown_CountsItAtTheTargetAndKeepsCurrent()
    {
        // Ready pods alone: 40 % of a 50 % target → 3; the missing pod at 100 % lifts it into the tolerance.
        var pods = PodsWithUsage(400, 400, 400);
        pods.Add(Pod("p3"));

        var proposal = await Utilization(4, 50, pods);

        Assert.Equal((4, 40), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_MissingMetricOnScaleUp_CountsItAtZero()
    {
        var pods = PodsWithUsage(1000, 1000, 1000);
        pods.Add(Pod("p3"));

        var proposal = await Utilization(4, 50, pods);

        Assert.Equal((6, 100), (proposal.Replicas, proposal.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_FillInWouldTurnTheDirection_KeepsCurrent()
    {
        // 40 % of a 50 % target says down; the missing pod at 100 % makes it 70 %, up: no change.
        var pods = PodsWithUsage(400);
        pods.Add(Pod("p1"));

        var proposal = await Utilization(2, 50, pods);

        Assert.Equal(2, proposal.Replicas);
    }

    [Fact]
    public async Task ResourceReplicas_ContainerResource_UsesOnlyThatContainer()
    {
        var requests = new Dictionary<string, string> { ["app"] = "500m", ["sidecar"] = "500m" };
        List<V1Pod> pods = [Pod("p0", containerRequests: requests), Pod("p1", containerRequests: requests)];
        foreach (var pod in pods)
        {
            _metrics.Set(Ns, pod.Metadata.Name, TestObjects.AppLabels, new Dictionary<string, long> { ["app"] = 500, ["sidecar"] = 0 });
        }

        var whole = await Utilization(2, 50, pods);
        var app = await Utilization(2, 50, pods, container: "app");

        Assert.Equal((2, 50), (whole.Replicas, whole.Utilization));
        Assert.Equal((4, 100), (app.Replicas, app.Utilization));
    }

    [Fact]
    public async Task ResourceReplicas_MissingRequest_SaysWhichContainerOfWhichPod()
    {
        var pods = PodsWithUsage(100);
        pods[0] = Pod("p0", request: null);

        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => Utilization(1, 50, pods));

        Assert.Equal("missing request for cpu in container c of Pod p0", e.Message);
    }

    [Fact]
    public async Task ResourceReplicas_NoMetricsAtAll_SaysSo()
    {
        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => Utilization(1, 50, [Pod("p0")]));

        Assert.Equal("unable to get metrics for resource cpu: no metrics returned from resource metrics API", e.Message);
    }

    [Fact]
    public async Task ResourceReplicas_EveryPodUnready_SaysPodsMightBeUnready()
    {
        var pods = PodsWithUsage(100);
        pods[0] = Pod("p0", ready: false);

        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => Utilization(1, 50, pods));

        Assert.Equal("did not receive metrics for targeted pods (pods might be unready)", e.Message);
    }

    [Fact]
    public async Task RawResourceReplicas_AverageValue_ProposesRatioTimesReadyPods()
    {
        var proposal = await _calculator.RawResourceReplicasAsync(3, 500, "cpu", Ns, Selector, null, PodsWithUsage(1000, 1000, 1000), CancellationToken.None);

        Assert.Equal((6, 0, 1000L), (proposal.Replicas, proposal.Utilization, proposal.RawAverage));
    }

    [Fact]
    public async Task RawResourceReplicas_MissingMetricOnScaleDown_CountsItAtTheTarget()
    {
        // Ready pods alone: 250 of 500 → 2 of 4; the missing ones at 500 give 375 → ceil(0.75 × 4) = 3.
        var pods = PodsWithUsage(250, 250);
        pods.Add(Pod("p2"));
        pods.Add(Pod("p3"));

        var proposal = await _calculator.RawResourceReplicasAsync(4, 500, "cpu", Ns, Selector, null, pods, CancellationToken.None);

        Assert.Equal(3, proposal.Replicas);
    }

    [Fact]
    public void PodRequests_RestartableInitContainer_IsCounted()
    {
        var pod = Pod("p0", request: "200m");
        pod.Spec.InitContainers = [new V1Container { Name = "sidecar", RestartPolicy = "Always", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } }, new V1Container { Name = "init", Image = "x" }];

        var requests = ReplicaCalculator.PodRequests([pod], null, "cpu");

        Assert.Equal(300, requests["p0"]);
    }
}
