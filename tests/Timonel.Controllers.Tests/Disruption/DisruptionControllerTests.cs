using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Client.Informers;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.TestObjects;

namespace Timonel.Controllers.Tests.Disruption;

public sealed class DisruptionControllerTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(45);

    private static V1PodDisruptionBudget Budget(string name, IntOrString? minAvailable = null, IntOrString? maxUnavailable = null, V1LabelSelector? selector = null) => new()
    {
        ApiVersion = "policy/v1",
        Kind = "PodDisruptionBudget",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodDisruptionBudgetSpec
        {
            MinAvailable = minAvailable,
            MaxUnavailable = maxUnavailable,
            Selector = selector ?? new V1LabelSelector { MatchLabels = AppLabels },
        },
    };

    // A failed sync leaves observedGeneration as it was (as upstream's failSafe): only a computed status is awaited at the budget's generation.
    private static async Task<V1PodDisruptionBudget> StatusAsync(IKubernetes client, string ns, string name, Func<V1PodDisruptionBudgetStatus, bool> done, string what, bool observed = true) =>
        await Eventually.WaitAsync(
            async ct =>
            {
                var pdb = await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(name, ns, cancellationToken: ct);
                return pdb.Status is { } s && (!observed || pdb.Status.ObservedGeneration == pdb.Metadata.Generation) && done(s) ? pdb : null;
            },
            WaitLimit,
            what);

    private static async Task<V1ReplicaSet> ReplicaSetWithReadyPodsAsync(IKubernetes client, string ns, string name, int replicas, int ready, IKubernetesObject<V1ObjectMeta>? owner = null)
    {
        var template = TestObjects.ReplicaSet(name, owner);
        template.Spec.Replicas = replicas;
        var rs = await client.AppsV1.CreateNamespacedReplicaSetAsync(template, ns);
        rs.ApiVersion = "apps/v1";
        rs.Kind = "ReplicaSet";
        for (var i = 0; i < replicas; i++)
        {
            await PodStatus.CreateRunningAsync(client, ns, Pod($"{name}-{i}", rs), $"10.0.0.{i + 1}", ready: i < ready);
        }

        return rs;
    }

    [Fact]
    public async Task Sync_MinAvailableCountOverReadyPods_AllowsTheSurplus()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("count");
        await ReplicaSetWithReadyPodsAsync(harness.Client, ns, "web", replicas: 3, ready: 3);

        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", minAvailable: 2), ns);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.CurrentHealthy == 3, "three healthy pods counted");

        Assert.Equal((3, 2, 3, 1), (pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.ExpectedPods, pdb.Status.DisruptionsAllowed));
        var condition = Assert.Single(pdb.Status.Conditions, c => c.Type == "DisruptionAllowed");
        Assert.Equal(("True", "SufficientPods"), (condition.Status, condition.Reason));
    }

    [Fact]
    public async Task Sync_PodBecomesUnready_DisruptionsAllowedFallsToZero()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("unready");
        await ReplicaSetWithReadyPodsAsync(harness.Client, ns, "web", replicas: 3, ready: 3);
        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", minAvailable: 2), ns);
        await StatusAsync(harness.Client, ns, "web", s => s.DisruptionsAllowed == 1, "one disruption allowed");

        await PodStatus.SetAsync(harness.Client, ns, "web-0", "10.0.0.1", ready: false);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.CurrentHealthy == 2, "the unready pod no longer counts");

        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        var condition = Assert.Single(pdb.Status.Conditions, c => c.Type == "DisruptionAllowed");
        Assert.Equal(("False", "InsufficientPods"), (condition.Status, condition.Reason));
    }

    [Fact]
    public async Task Sync_MaxUnavailableOverDeploymentPods_ExpectsTheDeploymentsScale()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("deploy");
        var template = TestObjects.Deployment("web");
        template.Spec.Replicas = 4;
        var deployment = await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(template, ns);
        deployment.ApiVersion = "apps/v1";
        deployment.Kind = "Deployment";
        // The ReplicaSet says 3, its Deployment 4: the Deployment's scale is what is expected.
        await ReplicaSetWithReadyPodsAsync(harness.Client, ns, "web-abc", replicas: 3, ready: 3, owner: deployment);

        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", maxUnavailable: "25%"), ns);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.ExpectedPods > 0, "expected pods computed");

        Assert.Equal((3, 3, 4, 0), (pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.ExpectedPods, pdb.Status.DisruptionsAllowed));
    }

    [Fact]
    public async Task Sync_PercentageWithPodOfUnknownController_FailsSafeWithTheReason()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("unknown");
        var job = new V1Job { ApiVersion = "batch/v1", Kind = "Job", Metadata = new V1ObjectMeta { Name = "batch", Uid = Guid.NewGuid().ToString() } };
        await PodStatus.CreateRunningAsync(harness.Client, ns, Pod("batch-0", job), "10.0.0.9", ready: true);

        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", minAvailable: "50%"), ns);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.Conditions?.Any(c => c.Reason == "SyncFailed") == true, "sync failure reported", observed: false);

        var condition = Assert.Single(pdb.Status.Conditions, c => c.Type == "DisruptionAllowed");
        Assert.Equal("False", condition.Status);
        Assert.Equal("found no controllers for pod \"batch-0\"", condition.Message);
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        Assert.Contains(harness.Events, e => e.Reason == "CalculateExpectedPodCountFailed" && e.Type == "Warning");
    }

    [Fact]
    public async Task Sync_IntegerMinAvailableOverUnmanagedPods_CountsThePods()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("bare");
        await PodStatus.CreateRunningAsync(harness.Client, ns, Pod("a"), "10.0.0.1", ready: true);
        await PodStatus.CreateRunningAsync(harness.Client, ns, Pod("b"), "10.0.0.2", ready: true);

        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", minAvailable: 1), ns);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.ExpectedPods == 2, "bare pods counted");

        Assert.Equal((2, 1, 1), (pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.DisruptionsAllowed));
    }

    [Fact]
    public async Task Sync_NoMatchingPods_AllowsNothingAndSaysSo()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("empty");

        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", maxUnavailable: 1), ns);
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.Conditions?.Count > 0, "status written");

        Assert.Equal((0, 0, 0), (pdb.Status.ExpectedPods, pdb.Status.CurrentHealthy, pdb.Status.DisruptionsAllowed));
        Assert.Contains(harness.Events, e => e.Reason == "NoPods" && e.Message == "No matching pods found");
    }

    [Fact]
    public async Task Evict_TwoAtOnceAgainstABudgetOfOne_ExactlyOnePasses()
    {
        await using var harness = await ControllerHarness.StartAsync(null, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("race");
        await ReplicaSetWithReadyPodsAsync(harness.Client, ns, "web", replicas: 3, ready: 3);
        await harness.Client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(Budget("web", minAvailable: 2), ns);
        await StatusAsync(harness.Client, ns, "web", s => s.DisruptionsAllowed == 1, "one disruption allowed");

        var results = await Task.WhenAll(EvictAsync(harness.Client, ns, "web-0"), EvictAsync(harness.Client, ns, "web-1"));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.TooManyRequests], results.Order());
        // The controller sees the evicted pod terminating and keeps the budget spent.
        var pdb = await StatusAsync(harness.Client, ns, "web", s => s.CurrentHealthy == 2 && (s.DisruptedPods is null || s.DisruptedPods.Count == 0), "evicted pod left the count");
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        Assert.Equal(HttpStatusCode.TooManyRequests, await EvictAsync(harness.Client, ns, "web-2"));
    }

    [Fact]
    public async Task StalePods_MarkedButNotDeletedForTwoMinutes_MarkTurnedFalse_DeletingPodKeepsIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await ControllerHarness.StartAsync(null, clock, "disruption");
        var ns = await harness.Cluster.CreateNamespaceAsync("stale");
        var kept = Pod("kept");
        kept.Metadata.Finalizers = ["example.com/hold"];
        await PodStatus.CreateRunningAsync(harness.Client, ns, kept, "10.0.0.1", ready: true);
        await PodStatus.CreateRunningAsync(harness.Client, ns, Pod("spared"), "10.0.0.2", ready: true);
        // The deleting pod's mark is older, so the controller's one worker judges it first.
        await MarkDisruptedAsync(harness.Client, ns, "kept", clock.GetUtcNow().AddMinutes(-1));
        await harness.Client.CoreV1.DeleteNamespacedPodAsync("kept", ns);
        await Eventually.WaitAsync(
            _ => Task.FromResult(harness.Informers.Get(ResourceKinds.Pods).Cache.Get(ns, "kept")?.Metadata.DeletionTimestamp is not null),
            WaitLimit,
            "the controller's cache sees the pod deleting");
        await MarkDisruptedAsync(harness.Client, ns, "spared", clock.GetUtcNow());

        clock.Advance(TimeSpan.FromMinutes(3));
        var spared = await Eventually.WaitAsync(
            async ct =>
            {
                var pod = await harness.Client.CoreV1.ReadNamespacedPodAsync("spared", ns, cancellationToken: ct);
                return pod.Status.Conditions.Single(c => c.Type == "DisruptionTarget").Status == "False" ? pod : null;
            },
            WaitLimit,
            "the stale mark turned False");

        var condition = spared.Status.Conditions.Single(c => c.Type == "DisruptionTarget");
        Assert.Null(condition.Reason);
        Assert.Equal(clock.GetUtcNow().UtcDateTime, condition.LastTransitionTime!.Value, TimeSpan.FromSeconds(1));
        var deleting = await harness.Client.CoreV1.ReadNamespacedPodAsync("kept", ns);
        Assert.Equal("True", deleting.Status.Conditions.Single(c => c.Type == "DisruptionTarget").Status);
        deleting.Metadata.Finalizers = null;
        await harness.Client.CoreV1.ReplaceNamespacedPodAsync(deleting, "kept", ns);
    }

    private static async Task MarkDisruptedAsync(IKubernetes client, string ns, string name, DateTimeOffset since)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status.Conditions.Add(new V1PodCondition { Type = "DisruptionTarget", Status = "True", Reason = "EvictionByEvictionAPI", Message = "Eviction API: evicting", LastTransitionTime = since.UtcDateTime });
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    private static async Task<HttpStatusCode> EvictAsync(IKubernetes client, string ns, string pod)
    {
        try
        {
            await client.CoreV1.CreateNamespacedPodEvictionAsync(new V1Eviction { Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = ns } }, pod, ns);
            return HttpStatusCode.Created;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }
}
