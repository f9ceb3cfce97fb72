using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Api.Selectors;
using Timonel.Controllers.Autoscaling;
using Xunit;

namespace Timonel.Controllers.Tests.Autoscaling;

/// <summary>Upstream's Pods, Object and External replica calculations (values in thousandths, tolerance 0.1).</summary>
public sealed class CustomMetricReplicasTests
{
    private const string Ns = "default";
    private static readonly LabelSelector Selector = LabelSelector.FromSet(TestObjects.AppLabels);
    private static readonly DescribedObject Ingress = new("networking.k8s.io/v1", "Ingress", "main");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeCustomMetrics _metrics;
    private readonly CustomMetricReplicas _replicas;

    public CustomMetricReplicasTests()
    {
        _metrics = new FakeCustomMetrics(_time);
        var options = new HpaOptions();
        _replicas = new CustomMetricReplicas(_metrics, new ReplicaCalculator(new FakeResourceMetrics(_time), options, _time), options);
    }

    // A pod started 10 seconds ago (inside the CPU initialization period: a CPU metric would leave an unready one out).
    private V1Pod Pod(string name, bool ready = true, string phase = "Running") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Ns, Labels = TestObjects.AppLabels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] },
        Status = new V1PodStatus
        {
            Phase = phase,
            StartTime = (_time.GetUtcNow() - TimeSpan.FromSeconds(10)).UtcDateTime,
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = _time.GetUtcNow().UtcDateTime }],
        },
    };

    private Task<CustomProposal> PodsAsync(int current, long target, params V1Pod[] pods) =>
        _replicas.PodsAsync(current, target, "qps", Ns, Selector, LabelSelector.Everything, pods, CancellationToken.None);

    [Fact]
    public async Task Pods_UnreadyRunningPodStillCounts_OnlyResourceMetricsLeaveItOut()
    {
        _metrics.SetPod(Ns, "qps", "a", 20_000);
        _metrics.SetPod(Ns, "qps", "b", 20_000);

        var proposal = await PodsAsync(2, 10_000, Pod("a"), Pod("b", ready: false));

        Assert.Equal((4, 20_000L), (proposal.Replicas, proposal.Value));
    }

    [Fact]
    public async Task Pods_PendingPodOnScaleUp_CountsAsZero()
    {
        _metrics.SetPod(Ns, "qps", "a", 20_000);
        _metrics.SetPod(Ns, "qps", "b", 20_000);
        _metrics.SetPod(Ns, "qps", "c", 90_000);

        // Ready pods say ×2; the pending one at 0 makes it 40/3 per pod: ×1.33 of 3 pods.
        var proposal = await PodsAsync(3, 10_000, Pod("a"), Pod("b"), Pod("c", ready: false, phase: "Pending"));

        Assert.Equal((4, 20_000L), (proposal.Replicas, proposal.Value));
    }

    [Fact]
    public async Task Pods_MissingSampleOnScaleDown_CountsAtTheTarget()
    {
        _metrics.SetPod(Ns, "qps", "a", 1_000);
        _metrics.SetPod(Ns, "qps", "b", 1_000);

        // (1 + 1 + 10) / 3 = 4 per pod against 10: 0.4 × 3 pods, rounded up.
        var proposal = await PodsAsync(3, 10_000, Pod("a"), Pod("b"), Pod("c"));

        Assert.Equal(2, proposal.Replicas);
    }

    [Fact]
    public async Task Pods_WithinTolerance_KeepsTheCurrentCount()
    {
        _metrics.SetPod(Ns, "qps", "a", 10_500);

        Assert.Equal(3, (await PodsAsync(3, 10_000, Pod("a"))).Replicas);
    }

    [Fact]
    public async Task Pods_ApiFails_UpstreamMessage()
    {
        _metrics.Fail("qps", "unable to fetch metrics from custom metrics API: the server is currently unable to handle the request (get pods.custom.metrics.k8s.io *)");

        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => PodsAsync(1, 10_000, Pod("a")));

        Assert.Equal("unable to get metric qps: unable to fetch metrics from custom metrics API: the server is currently unable to handle the request (get pods.custom.metrics.k8s.io *)", e.Message);
    }

    [Fact]
    public async Task ObjectValue_ScalesTheReadyPodsByValueOverTarget()
    {
        _metrics.SetObject(Ns, "hits", "Ingress", "main", 30_000);

        // ×3 of the two Running and Ready pods (the unready one is not counted).
        var proposal = await _replicas.ObjectAsync(3, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, [Pod("a"), Pod("b"), Pod("c", ready: false)], CancellationToken.None);

        Assert.Equal((6, 30_000L), (proposal.Replicas, proposal.Value));
    }

    [Fact]
    public async Task ObjectValue_WithinToleranceOrFromZero()
    {
        _metrics.SetObject(Ns, "hits", "Ingress", "main", 10_800);

        Assert.Equal(5, (await _replicas.ObjectAsync(5, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, [Pod("a")], CancellationToken.None)).Replicas);

        // From zero replicas (minReplicas 0) the ratio alone decides, with no pods to count.
        _metrics.SetObject(Ns, "hits", "Ingress", "main", 25_000);
        Assert.Equal(3, (await _replicas.ObjectAsync(0, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, [], CancellationToken.None)).Replicas);
    }

    [Fact]
    public async Task ObjectValue_NoPods_UnableToCalculateReadyPods()
    {
        _metrics.SetObject(Ns, "hits", "Ingress", "main", 30_000);

        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => _replicas.ObjectAsync(2, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, [], CancellationToken.None));

        Assert.Equal("unable to calculate ready pods: no pods returned by selector while calculating replica count", e.Message);
    }

    [Fact]
    public async Task ObjectAverageValue_ValuePerStatusReplica()
    {
        _metrics.SetObject(Ns, "hits", "Ingress", "main", 50_000);

        var proposal = await _replicas.ObjectPerPodAsync(2, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, CancellationToken.None);

        Assert.Equal((5, 25_000L), (proposal.Replicas, proposal.Value));
    }

    [Fact]
    public async Task Object_ApiFails_NamesTheObject()
    {
        _metrics.Fail("hits", "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered");

        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => _replicas.ObjectPerPodAsync(2, 10_000, "hits", Ns, Ingress, LabelSelector.Everything, CancellationToken.None));

        Assert.Equal("unable to get metric hits: Ingress on default main/unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered", e.Message);
    }

    [Fact]
    public async Task ExternalValue_SumOfTheSeriesAgainstTheTarget()
    {
        _metrics.SetExternal(Ns, "queue", 10_000, 20_000);

        var proposal = await _replicas.ExternalAsync(2, 10_000, "queue", Ns, LabelSelector.Everything, "nil", [Pod("a"), Pod("b")], CancellationToken.None);

        Assert.Equal((6, 30_000L), (proposal.Replicas, proposal.Value));
    }

    [Fact]
    public async Task ExternalAverageValue_ToleranceAgainstTheCurrentReplicas()
    {
        // 21 over 2 replicas against 10 each: 1.05, within the tolerance; the average is rounded up.
        _metrics.SetExternal(Ns, "queue", 21_000);
        var kept = await _replicas.ExternalPerPodAsync(2, 10_000, "queue", Ns, LabelSelector.Everything, "nil", CancellationToken.None);
        Assert.Equal((2, 10_500L), (kept.Replicas, kept.Value));

        _metrics.SetExternal(Ns, "queue", 41_000);
        Assert.Equal(5, (await _replicas.ExternalPerPodAsync(2, 10_000, "queue", Ns, LabelSelector.Everything, "nil", CancellationToken.None)).Replicas);
    }

    [Fact]
    public async Task External_ApiFails_NamesNamespaceMetricAndSelector()
    {
        var e = await Assert.ThrowsAsync<ReplicaCalculationException>(() => _replicas.ExternalPerPodAsync(1, 10_000, "queue", Ns, LabelSelector.Everything, "nil", CancellationToken.None));

        Assert.Equal("unable to get external metric default/queue/nil: no metrics returned from external metrics API", e.Message);
    }

    [Fact]
    public void GoSelectorText_PrintsAsUpstreamMessages()
    {
        Assert.Equal("nil", GoSelectorText.Of(null));
        Assert.Equal(
            "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[x y],},},}",
            GoSelectorText.Of(new V1LabelSelector
            {
                MatchLabels = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
                MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["x", "y"] }],
            }));
    }
}
