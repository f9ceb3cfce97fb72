using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ReplicaSet;

/// <summary>The "replicationcontroller" controller: the ReplicaSet logic over core/v1 ReplicationControllers.</summary>
public sealed class ReplicationManagerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    private static V1ReplicationController Rc(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ReplicationControllerSpec
        {
            Replicas = replicas,
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "nginx:1.25" }] },
            },
        },
    };

    private static async Task<IReadOnlyList<V1Pod>> ActivePodsAsync(IKubernetes client, string ns, CancellationToken ct = default) =>
        [.. (await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct)).Items.Where(p => p.Metadata.DeletionTimestamp is null)];

    [Fact]
    public async Task Sync_NewReplicationController_CreatesOwnedPodsAndReportsStatus()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicationcontroller");
        var ns = await harness.Cluster.CreateNamespaceAsync("rc-create");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        var rc = await harness.Client.CoreV1.CreateNamespacedReplicationControllerAsync(Rc("web", 3), ns);

        var pods = await Eventually.WaitAsync(async ct => await ActivePodsAsync(harness.Client, ns, ct) is { Count: 3 } p ? p : null, Wait, "3 pods");

        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("v1", "ReplicationController", "web", rc.Metadata.Uid, true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller));
        });
        var status = await Eventually.WaitAsync(async ct =>
        {
            var s = (await harness.Client.CoreV1.ReadNamespacedReplicationControllerAsync("web", ns, cancellationToken: ct)).Status;
            return s is { Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3 } ? s : null;
        }, Wait, "status with 3 available");
        Assert.Equal(3, status.FullyLabeledReplicas);
        Assert.Equal(rc.Metadata.Generation, status.ObservedGeneration);
        Assert.Contains(harness.Events, e => e.Component == "replication-controller" && e.ObjectName == "web" && e.Reason == "SuccessfulCreate");
    }

    [Fact]
    public async Task Sync_ScaledDown_DeletesTheSurplus()
    {
        await using var harness = await WorkloadHarness.StartAsync("replicationcontroller");
        var ns = await harness.Cluster.CreateNamespaceAsync("rc-down");
        await harness.Client.CoreV1.CreateNamespacedReplicationControllerAsync(Rc("web", 3), ns);
        await Eventually.WaitAsync(async ct => (await ActivePodsAsync(harness.Client, ns, ct)).Count == 3, Wait, "3 pods");

        await harness.Client.CoreV1.PatchNamespacedReplicationControllerScaleAsync(
            new V1Patch("{\"spec\":{\"replicas\":1}}", V1Patch.PatchType.MergePatch), "web", ns);

        await Eventually.WaitAsync(async ct => (await ActivePodsAsync(harness.Client, ns, ct)).Count == 1, Wait, "1 pod");
        await Eventually.WaitAsync(async ct => (await harness.Client.CoreV1.ReadNamespacedReplicationControllerAsync("web", ns, cancellationToken: ct)).Status?.Replicas == 1, Wait, "status.replicas 1");
    }
}
