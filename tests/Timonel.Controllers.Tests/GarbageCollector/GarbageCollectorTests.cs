using k8s;
using k8s.Models;
using Timonel.Client.Informers;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.GarbageCollector;

public sealed class GarbageCollectorTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;

    private IKubernetes Client => _harness.Client;

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "garbagecollector");

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private async Task<(V1ReplicaSet Rs, List<V1Pod> Pods)> ReplicaSetWithPodsAsync(string ns, string name, IKubernetesObject<V1ObjectMeta>? owner = null)
    {
        var rs = await Client.AppsV1.CreateNamespacedReplicaSetAsync(TestObjects.ReplicaSet(name, owner), ns);
        rs.ApiVersion = "apps/v1";
        rs.Kind = "ReplicaSet";
        var pods = new List<V1Pod>();
        for (var i = 0; i < 2; i++)
        {
            pods.Add(await Client.CoreV1.CreateNamespacedPodAsync(TestObjects.Pod($"{name}-{i}", rs), ns));
        }

        return (rs, pods);
    }

    private async Task<int> PodCountAsync(string ns) => (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count;

    [Fact]
    public async Task DeleteOwner_Background_DeletesDependents()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-bg");
        await ReplicaSetWithPodsAsync(ns, "rs");

        await Client.AppsV1.DeleteNamespacedReplicaSetAsync("rs", ns, body: new V1DeleteOptions { PropagationPolicy = "Background" });

        await Eventually.WaitAsync(async _ => await PodCountAsync(ns) == 0, Patience, "the ReplicaSet's pods to be collected");
    }

    [Fact]
    public async Task DeleteOwner_Foreground_DependentsGoBeforeTheOwner()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-fg");
        var deployment = await Client.AppsV1.CreateNamespacedDeploymentAsync(TestObjects.Deployment("web"), ns);
        deployment.ApiVersion = "apps/v1";
        deployment.Kind = "Deployment";
        await ReplicaSetWithPodsAsync(ns, "web-1", deployment);

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns, body: new V1DeleteOptions { PropagationPolicy = "Foreground" });

        var held = await Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.NotNull(held.Metadata.DeletionTimestamp);
        Assert.Contains("foregroundDeletion", held.Metadata.Finalizers);
        await Eventually.WaitAsync(_ => TestObjects.IsGoneAsync(() => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)), Patience, "the Deployment to go");
        // The owner goes last: once it is gone, nothing it owned is left.
        Assert.Equal(0, await PodCountAsync(ns));
        Assert.Empty((await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
    }

    [Fact]
    public async Task DeleteOwner_Orphan_DependentsStayWithoutTheReference()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-orphan");
        var (rs, _) = await ReplicaSetWithPodsAsync(ns, "rs");

        // The collector orphans the dependents it has seen, as upstream's does: a pod still on its
        // way through the pod watch when the owner goes would be collected instead (a race
        // upstream shares), so the test lets the shared pod cache catch up first.
        await Eventually.WaitAsync(_ => Task.FromResult(_harness.Informers.Get(ResourceKinds.Pods).Cache.ListByNamespace(ns).Count == 2), Patience, "both pods in the collector's cache");
        await Client.AppsV1.DeleteNamespacedReplicaSetAsync("rs", ns, body: new V1DeleteOptions { PropagationPolicy = "Orphan" });

        await Eventually.WaitAsync(_ => TestObjects.IsGoneAsync(() => Client.AppsV1.ReadNamespacedReplicaSetAsync("rs", ns)), Patience, "the orphaning ReplicaSet to go");
        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.DoesNotContain(p.Metadata.OwnerReferences ?? [], r => r.Uid == rs.Metadata.Uid));
    }

    [Fact]
    public async Task CreateDependent_OwnerNeverExisted_IsCollected()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-dangling");
        var ghost = TestObjects.ReplicaSet("ghost");
        ghost.Metadata.Uid = Guid.NewGuid().ToString();
        await Client.CoreV1.CreateNamespacedPodAsync(TestObjects.Pod("stray", ghost), ns);

        await Eventually.WaitAsync(async _ => await PodCountAsync(ns) == 0, Patience, "the pod with a missing owner to be collected");
    }

    [Fact]
    public async Task DeleteOneOfTwoOwners_DependentStays_AndLosesTheDanglingReference()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("gc-two");
        var keep = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "keep" } }, ns);
        var drop = await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "drop" } }, ns);
        keep.ApiVersion = drop.ApiVersion = "v1";
        keep.Kind = drop.Kind = "ConfigMap";
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "owned", OwnerReferences = [TestObjects.OwnerRef(keep, block: false), TestObjects.OwnerRef(drop, block: false)] },
        };
        secret.Metadata.OwnerReferences[1].Controller = false;
        await Client.CoreV1.CreateNamespacedSecretAsync(secret, ns);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("drop", ns);

        var refs = await Eventually.WaitAsync(async ct =>
        {
            var s = await Client.CoreV1.ReadNamespacedSecretAsync("owned", ns, cancellationToken: ct);
            return s.Metadata.OwnerReferences?.Count == 1 ? s.Metadata.OwnerReferences : null;
        }, Patience, "the dangling reference to be removed");
        Assert.Equal(keep.Metadata.Uid, refs[0].Uid);
    }
}
