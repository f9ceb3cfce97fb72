using k8s;
using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Client.Tests.LeaderElection;
using Xunit;

namespace Timonel.Client.Tests.Controllers;

/// <summary>ClaimAsync against the in-process API server: what it adopts, releases and refuses, as the server stores it.</summary>
public sealed class ControllerRefManagerTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string Hold = "example.com/hold";

    private IKubernetes Client => fixture.Cluster.Client;

    [Fact]
    public async Task ClaimAsync_MatchingOrphan_AdoptedWithControllerRef()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var orphan = await PodAsync(ns, "orphan", "web", owners: null);

        var claimed = await Manager(owner).ClaimAsync([orphan], null, CancellationToken.None);

        var stored = await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns);
        var reference = Assert.Single(stored.Metadata.OwnerReferences);
        Assert.Equal((owner.Metadata.Uid, "ReplicaSet", "apps/v1", true, true), (reference.Uid, reference.Kind, reference.ApiVersion, reference.Controller, reference.BlockOwnerDeletion));
        Assert.Equal("orphan", Assert.Single(claimed).Metadata.Name);
    }

    [Fact]
    public async Task ClaimAsync_OwnedPodNoLongerMatching_Released()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var stray = await PodAsync(ns, "stray", "other", owners: owner);
        var kept = await PodAsync(ns, "kept", "web", owners: owner);

        var claimed = await Manager(owner).ClaimAsync([stray, kept], null, CancellationToken.None);

        Assert.Equal("kept", Assert.Single(claimed).Metadata.Name);
        Assert.Null((await Client.CoreV1.ReadNamespacedPodAsync("stray", ns)).Metadata.OwnerReferences);
        Assert.Single((await Client.CoreV1.ReadNamespacedPodAsync("kept", ns)).Metadata.OwnerReferences);
    }

    [Fact]
    public async Task ClaimAsync_OwnerBeingDeleted_RefusesAdoptionAndLeavesPod()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns, finalizer: Hold);
        var orphan = await PodAsync(ns, "orphan", "web", owners: null);
        await Client.AppsV1.DeleteNamespacedReplicaSetAsync(owner.Metadata.Name, ns);
        Assert.NotNull((await Client.AppsV1.ReadNamespacedReplicaSetAsync(owner.Metadata.Name, ns)).Metadata.DeletionTimestamp);

        // The cached owner does not know yet that it is being deleted: only the live read does.
        var e = await Assert.ThrowsAsync<AdoptionRefusedException>(() => Manager(owner).ClaimAsync([orphan], null, CancellationToken.None));

        Assert.Contains("has just been deleted", e.Message, StringComparison.Ordinal);
        Assert.Null((await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns)).Metadata.OwnerReferences);
        await ReleaseHoldAsync(ns, owner.Metadata.Name);
    }

    [Fact]
    public async Task ClaimAsync_OwnerReplacedByNamesake_RefusesAdoption()
    {
        var ns = await NamespaceAsync();
        var old = await OwnerAsync(ns);
        await Client.AppsV1.DeleteNamespacedReplicaSetAsync(old.Metadata.Name, ns);
        await OwnerAsync(ns);
        var orphan = await PodAsync(ns, "orphan", "web", owners: null);

        var e = await Assert.ThrowsAsync<AdoptionRefusedException>(() => Manager(old).ClaimAsync([orphan], null, CancellationToken.None));

        Assert.Contains("is gone", e.Message, StringComparison.Ordinal);
        Assert.Null((await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns)).Metadata.OwnerReferences);
    }

    [Fact]
    public async Task ClaimAsync_OwnedByAnotherController_LeftAlone()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var other = await OwnerAsync(ns, name: "other");
        var theirs = await PodAsync(ns, "theirs", "web", owners: other);

        var claimed = await Manager(owner).ClaimAsync([theirs], null, CancellationToken.None);

        Assert.Empty(claimed);
        Assert.Equal(other.Metadata.Uid, Assert.Single((await Client.CoreV1.ReadNamespacedPodAsync("theirs", ns)).Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task ClaimAsync_OwnerDeletingInCache_NeitherAdoptsNorReleases()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var orphan = await PodAsync(ns, "orphan", "web", owners: null);
        var stray = await PodAsync(ns, "stray", "other", owners: owner);
        owner.Metadata.DeletionTimestamp = DateTime.UtcNow;

        var claimed = await Manager(owner).ClaimAsync([orphan, stray], null, CancellationToken.None);

        Assert.Empty(claimed);
        Assert.Null((await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns)).Metadata.OwnerReferences);
        Assert.Single((await Client.CoreV1.ReadNamespacedPodAsync("stray", ns)).Metadata.OwnerReferences);
    }

    [Fact]
    public async Task ClaimAsync_FilterRejectsOwnedPod_Released()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var pod = await PodAsync(ns, "misnamed", "web", owners: owner);

        var claimed = await Manager(owner).ClaimAsync([pod], p => p.Metadata.Name.StartsWith("web-", StringComparison.Ordinal), CancellationToken.None);

        Assert.Empty(claimed);
        Assert.Null((await Client.CoreV1.ReadNamespacedPodAsync("misnamed", ns)).Metadata.OwnerReferences);
    }

    [Fact]
    public async Task ClaimAsync_WithFinalizers_AddsOnAdoptAndRemovesOnRelease()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var orphan = await PodAsync(ns, "orphan", "web", owners: null);
        var manager = Manager(owner, [Hold]);

        var adopted = Assert.Single(await manager.ClaimAsync([orphan], null, CancellationToken.None));
        Assert.Contains(Hold, adopted.Metadata.Finalizers);

        adopted.Metadata.Labels["app"] = "other";
        var relabelled = await Client.CoreV1.ReplaceNamespacedPodAsync(adopted, "orphan", ns);
        Assert.Empty(await Manager(owner, [Hold]).ClaimAsync([relabelled], null, CancellationToken.None));

        var stored = await Client.CoreV1.ReadNamespacedPodAsync("orphan", ns);
        Assert.Null(stored.Metadata.OwnerReferences);
        Assert.True(stored.Metadata.Finalizers is null || !stored.Metadata.Finalizers.Contains(Hold));
    }

    [Fact]
    public async Task ClaimAsync_ReleaseAimedAtRecreatedNamesake_NewPodUntouched()
    {
        var ns = await NamespaceAsync();
        var owner = await OwnerAsync(ns);
        var stale = await PodAsync(ns, "p", "other", owners: owner);
        await Client.CoreV1.DeleteNamespacedPodAsync("p", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        var other = await OwnerAsync(ns, name: "other");
        await PodAsync(ns, "p", "other", owners: other);

        // The cached copy names the deleted pod's uid: the patch must not touch the namesake. Upstream's
        // server refuses it as Invalid (ignored, like upstream's ReleasePod); this one as a uid
        // precondition Conflict, which fails the claim so the sync is retried from a fresher cache.
        try
        {
            Assert.Empty(await Manager(owner).ClaimAsync([stale], null, CancellationToken.None));
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            Assert.True(ApiErrors.IsConflict(e), ApiErrors.MessageOf(e));
        }

        Assert.Equal(other.Metadata.Uid, Assert.Single((await Client.CoreV1.ReadNamespacedPodAsync("p", ns)).Metadata.OwnerReferences).Uid);
    }

    private ControllerRefManager<V1Pod> Manager(V1ReplicaSet owner, IReadOnlyList<string>? finalizers = null) =>
        ControllerRefs.ForPods(
            Client,
            owner,
            "apps/v1",
            "ReplicaSet",
            ObjectSelectors.From(owner.Spec.Selector),
            async ct => (await Client.AppsV1.ReadNamespacedReplicaSetAsync(owner.Metadata.Name, owner.Metadata.NamespaceProperty, cancellationToken: ct)).Metadata,
            finalizers);

    private async Task<string> NamespaceAsync()
    {
        var ns = await fixture.Cluster.CreateNamespaceAsync("claims");
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ns);
        return ns;
    }

    private Task<V1ReplicaSet> OwnerAsync(string ns, string name = "web", string? finalizer = null) =>
        Client.AppsV1.CreateNamespacedReplicaSetAsync(
            new V1ReplicaSet
            {
                Metadata = new V1ObjectMeta { Name = name, Finalizers = finalizer is null ? null : [finalizer] },
                Spec = new V1ReplicaSetSpec
                {
                    Replicas = 0,
                    Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                    },
                },
            },
            ns);

    private Task<V1Pod> PodAsync(string ns, string name, string app, V1ReplicaSet? owners) =>
        Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Name = name,
                    Labels = new Dictionary<string, string> { ["app"] = app },
                    OwnerReferences = owners is null ? null : [ControllerRefs.ControllerRef("apps/v1", "ReplicaSet", owners.Metadata)],
                },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }], AutomountServiceAccountToken = false },
            },
            ns);

    private async Task ReleaseHoldAsync(string ns, string name)
    {
        var patch = new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch);
        await Client.AppsV1.PatchNamespacedReplicaSetAsync(patch, name, ns);
    }
}
