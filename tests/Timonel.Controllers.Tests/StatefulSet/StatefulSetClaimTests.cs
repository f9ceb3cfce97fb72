using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.StatefulSet;

public sealed class StatefulSetClaimTests(StatefulSetFixture fixture) : IClassFixture<StatefulSetFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => fixture.Client;

    private static V1StatefulSet WithClaims(V1StatefulSet set, string? whenDeleted = null, string? whenScaled = null)
    {
        set.Spec.VolumeClaimTemplates =
        [
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data", Labels = new Dictionary<string, string> { ["tier"] = "storage" } },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                },
            },
        ];
        if (whenDeleted is not null || whenScaled is not null)
        {
            set.Spec.PersistentVolumeClaimRetentionPolicy = new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = whenDeleted, WhenScaled = whenScaled };
        }

        return set;
    }

    [Fact]
    public async Task ClaimTemplates_CreateOneClaimPerOrdinal_MountedByItsPod()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-pvc");
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(WithClaims(StatefulSetFixture.NewSet("web", 2, "Parallel")), ns);

        var claims = await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items is { Count: 2 } items ? items : null,
            Timeout,
            "two claims");
        Assert.Equal(["data-web-0", "data-web-1"], claims.Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));
        var claim = claims.First(c => c.Metadata.Name == "data-web-0");
        Assert.Equal("storage", claim.Metadata.Labels["tier"]);
        Assert.Equal("web", claim.Metadata.Labels["app"]);
        Assert.Null(claim.Metadata.OwnerReferences);

        var pod = await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)).FirstOrDefault(p => p.Metadata.Name == "web-0"),
            Timeout,
            "web-0");
        var volume = Assert.Single(pod.Spec.Volumes, v => v.Name == "data");
        Assert.Equal("data-web-0", volume.PersistentVolumeClaim.ClaimName);
    }

    [Fact]
    public async Task RetentionDelete_ClaimsOwnedBySet_AndScaledDownClaimsDeleted()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-pvc-del");
        await using var ready = TestPods.KeepReady(Client, ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(WithClaims(StatefulSetFixture.NewSet("web", 2), "Delete", "Delete"), ns);
        var set = await Eventually.WaitAsync(
            async ct => await Client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns, cancellationToken: ct) is { Status.ReadyReplicas: 2 } s ? s : null,
            Timeout,
            "2 ready");
        var claim = await Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data-web-1", ns);
        var owner = Assert.Single(claim.Metadata.OwnerReferences);
        Assert.Equal((set.Metadata.Uid, "StatefulSet"), (owner.Uid, owner.Kind));
        Assert.NotEqual(true, owner.Controller);

        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", ns);

        await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items.Select(c => c.Metadata.Name).SequenceEqual(["data-web-0"]),
            Timeout,
            "only data-web-0 left");
    }

    [Fact]
    public async Task RetainedClaim_IsReusedWhenTheOrdinalComesBack()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-pvc-keep");
        await using var ready = TestPods.KeepReady(Client, ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(WithClaims(StatefulSetFixture.NewSet("web", 2)), ns);
        var kept = await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns, cancellationToken: ct)).Items.FirstOrDefault(c => c.Metadata.Name == "data-web-1"),
            Timeout,
            "data-web-1");

        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await Eventually.WaitAsync(async ct => (await TestPods.ListAsync(Client, ns, ct)).Count == 1, Timeout, "scaled to 1");
        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await Eventually.WaitAsync(async ct => (await TestPods.ListAsync(Client, ns, ct)).Count == 2, Timeout, "back to 2");

        var claim = await Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data-web-1", ns);
        Assert.Equal(kept.Metadata.Uid, claim.Metadata.Uid);
    }

    [Fact]
    public async Task ClaimBeingDeleted_BlocksItsPod_UntilTheClaimIsGone()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-pvc-busy");
        var holder = WithClaims(StatefulSetFixture.NewSet("web", 1)).Spec.VolumeClaimTemplates[0];
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
            new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "data-web-0", Finalizers = ["test.timonel.dev/hold"] },
                Spec = holder.Spec,
            },
            ns);
        await Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data-web-0", ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(WithClaims(StatefulSetFixture.NewSet("web", 1, nodeName: null)), ns);

        await Eventually.WaitAsync(
            async ct => (await Client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns, cancellationToken: ct)).Status?.ObservedGeneration == 1,
            Timeout,
            "a first status");
        Assert.Empty(await TestPods.ListAsync(Client, ns));

        await Client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "data-web-0", ns);
        await Eventually.WaitAsync(async ct => (await TestPods.ListAsync(Client, ns, ct)).Count == 1, Timeout, "web-0 once the old claim is gone");
        var fresh = await Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data-web-0", ns);
        Assert.Null(fresh.Metadata.DeletionTimestamp);
    }
}
