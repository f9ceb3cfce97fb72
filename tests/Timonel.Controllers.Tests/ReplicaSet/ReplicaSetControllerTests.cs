using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ReplicaSet;

public sealed class ReplicaSetControllerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    internal static V1ReplicaSet ReplicaSet(string name, int replicas, string app = "web", int minReadySeconds = 0) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicaSetSpec
        {
            Replicas = replicas,
            MinReadySeconds = minReadySeconds,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app, ["tier"] = "front" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx:1.25" }] },
            },
        },
    };

    private static async Task<IReadOnlyList<V1Pod>> ActivePodsAsync(IKubernetes client, string ns, CancellationToken ct = default) =>
        [.. (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Failed" or "Succeeded"))];

    private static async Task<IReadOnlyList<V1Pod>> WaitForPodsAsync(IKubernetes client, string ns, int count) =>
        await Eventually.WaitAsync(async ct => await ActivePodsAsync(client, ns, ct) is { } pods && pods.Count == count ? pods : null, Wait, $"{count} pods in {ns}");

    [Fact]
    public async Task Sync_NewReplicaSet_CreatesOwnedPodsFromTemplateAndReportsStatus()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-create");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        var rs = await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);

        var pods = await WaitForPodsAsync(harness.Client, ns, 3);

        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("apps/v1", "ReplicaSet", "web", rs.Metadata.Uid, true, true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
            Assert.Equal("front", p.Metadata.Labels["tier"]);
        });
        var status = await Eventually.WaitAsync(async ct =>
        {
            var s = (await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct)).Status;
            return s is { Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3 } ? s : null;
        }, Wait, "status with 3 available");
        Assert.Equal(3, status.FullyLabeledReplicas);
        Assert.Equal(rs.Metadata.Generation, status.ObservedGeneration);
        Assert.Equal(3, harness.Events.Count(e => e.Reason == "SuccessfulCreate" && e.Message.StartsWith("Created pod: web-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sync_ManyReplicas_NeverCreatesMoreThanAsked()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-burst");
        await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 25), ns);

        await WaitForPodsAsync(harness.Client, ns, 25);
        await Eventually.WaitAsync(async ct => (await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct)).Status?.Replicas == 25, Wait, "status.replicas 25");

        // Every sync after the creates sees 25 pods in its cache or waits for its expectations: none adds more.
        await Task.Delay(1000);
        Assert.Equal(25, (await harness.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);
        Assert.Equal(25, harness.Events.Count(e => e.Reason == "SuccessfulCreate"));
    }

    [Fact]
    public async Task Sync_PodDeletedOrFailed_IsReplaced()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-replace");
        await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 2), ns);
        var pods = await WaitForPodsAsync(harness.Client, ns, 2);

        await harness.Client.CoreV1.DeleteNamespacedPodAsync(pods[0].Metadata.Name, ns);
        await PodStatusFaker.SetPhaseAsync(harness.Client, pods[1], "Failed");

        var now = await WaitForPodsAsync(harness.Client, ns, 2);
        Assert.DoesNotContain(now, p => p.Metadata.Name == pods[0].Metadata.Name || p.Metadata.Name == pods[1].Metadata.Name);
        // The failed pod stays (pod GC's job) but is not counted.
        Assert.Equal(3, (await harness.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);
    }

    [Fact]
    public async Task Sync_ScaledDown_DeletesNotReadyPodsFirst()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-down");
        await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);
        var pods = await WaitForPodsAsync(harness.Client, ns, 3);
        await PodStatusFaker.MarkReadyAsync(harness.Client, pods[0]);
        await PodStatusFaker.MarkReadyAsync(harness.Client, pods[2]);
        await Eventually.WaitAsync(async ct => (await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct)).Status?.ReadyReplicas == 2, Wait, "2 ready");

        await harness.Client.AppsV1.PatchNamespacedReplicaSetAsync(new V1Patch("{\"spec\":{\"replicas\":2}}", V1Patch.PatchType.MergePatch), "web", ns);

        var left = await WaitForPodsAsync(harness.Client, ns, 2);
        Assert.Equal(
            new[] { pods[0].Metadata.Name, pods[2].Metadata.Name }.Order(StringComparer.Ordinal),
            left.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        // The event is recorded once the delete call returns, which may be after the informer saw the pod go.
        await Eventually.WaitAsync(_ => Task.FromResult(harness.Events.Any(e => e.Reason == "SuccessfulDelete" && e.Message == $"Deleted pod: {pods[1].Metadata.Name}")), Wait, "the SuccessfulDelete event");
    }

    [Fact]
    public async Task Sync_MatchingOrphan_IsAdoptedAndNonMatchingPodReleased()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-adopt");
        var orphan = await harness.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "orphan", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx" }] },
        }, ns);
        var rs = await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 2), ns);

        var pods = await WaitForPodsAsync(harness.Client, ns, 2);
        var adopted = Assert.Single(pods, p => p.Metadata.Name == "orphan");
        Assert.Equal(rs.Metadata.Uid, Assert.Single(adopted.Metadata.OwnerReferences).Uid);

        // Relabelled out of the selector: released (no controller reference left) and replaced.
        await harness.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("{\"metadata\":{\"labels\":{\"app\":\"other\"}}}", V1Patch.PatchType.MergePatch), "orphan", ns);
        await Eventually.WaitAsync(async ct =>
        {
            var released = await harness.Client.CoreV1.ReadNamespacedPodAsync("orphan", ns, cancellationToken: ct);
            var owned = (await ActivePodsAsync(harness.Client, ns, ct)).Count(p => p.Metadata.OwnerReferences?.Any(o => o.Uid == rs.Metadata.Uid) == true);
            return (released.Metadata.OwnerReferences?.Count ?? 0) == 0 && owned == 2;
        }, Wait, "orphan released and replaced");
        Assert.Equal(orphan.Metadata.Uid, (await harness.Client.CoreV1.ReadNamespacedPodAsync("orphan", ns)).Metadata.Uid);
    }

    /// <summary>A quota of <paramref name="pods"/> pods with its status filled in, as the quota controller (not running here) would.</summary>
    internal static async Task CreatePodQuotaAsync(IKubernetes client, string ns, int pods)
    {
        var hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        var quota = await client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "pods" }, Spec = new V1ResourceQuotaSpec { Hard = hard } }, ns);
        quota.Status = new V1ResourceQuotaStatus { Hard = hard, Used = new Dictionary<string, ResourceQuantity> { ["pods"] = new("0") } };
        await client.CoreV1.ReplaceNamespacedResourceQuotaStatusAsync(quota, "pods", ns);
    }

    [Fact]
    public async Task Sync_QuotaRefusesPods_RecordsFailedCreateAndReplicaFailureThenRecovers()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-quota");
        await CreatePodQuotaAsync(harness.Client, ns, 2);
        await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 3), ns);

        var condition = await Eventually.WaitAsync(async ct =>
            (await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct)).Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure"),
            Wait, "ReplicaFailure condition");
        Assert.Equal(("True", "FailedCreate"), (condition.Status, condition.Reason));
        Assert.Contains("exceeded quota", condition.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Events, e => e is { Type: "Warning", Reason: "FailedCreate" } && e.Message.StartsWith("Error creating: ", StringComparison.Ordinal) && e.Message.Contains("exceeded quota", StringComparison.Ordinal));
        Assert.Equal(2, (await ActivePodsAsync(harness.Client, ns)).Count);

        await harness.Client.CoreV1.DeleteNamespacedResourceQuotaAsync("pods", ns);
        await Eventually.WaitAsync(async ct =>
        {
            var rs = await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct);
            return rs.Status?.Replicas == 3 && rs.Status.Conditions is null or { Count: 0 };
        }, TimeSpan.FromSeconds(60), "3 replicas and no ReplicaFailure once the quota allows");
    }

    [Fact]
    public async Task Sync_MinReadySeconds_PodsBecomeAvailableOnceItPassed()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("rs-minready");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedReplicaSetAsync(ReplicaSet("web", 2, minReadySeconds: 2), ns);

        await Eventually.WaitAsync(async ct => (await harness.Client.AppsV1.ReadNamespacedReplicaSetAsync("web", ns, cancellationToken: ct)).Status?.AvailableReplicas == 2, Wait, "2 available after minReadySeconds");
    }
}
