using k8s;
using k8s.Models;
using Timonel.Controllers.StatefulSet;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.StatefulSet;

public sealed class StatefulSetScalingTests(StatefulSetFixture fixture) : IClassFixture<StatefulSetFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => fixture.Client;

    [Fact]
    public async Task OrderedReady_ScaleUp_CreatesEachOrdinalOnlyAfterThePreviousIsReady()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-up");
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 3), ns);

        for (var i = 0; i < 3; i++)
        {
            var name = $"web-{i}";
            await WaitForPodsAsync(ns, Enumerable.Range(0, i + 1).Select(n => $"web-{n}").ToArray());
            // The controller has synced again after seeing the pod (status counts it) and still waits.
            await WaitForStatusAsync(ns, "web", s => s.Replicas == i + 1, $"status.replicas={i + 1}");
            Assert.Equal(i + 1, (await TestPods.ListAsync(Client, ns)).Count);
            await TestPods.MarkRunningAndReadyAsync(Client, ns, name);
        }

        var status = await WaitForStatusAsync(ns, "web", s => s.ReadyReplicas == 3 && s.AvailableReplicas == 3, "3 ready replicas");
        Assert.Equal(3, status.CurrentReplicas);
        Assert.Equal(3, status.UpdatedReplicas);
        Assert.Equal(status.CurrentRevision, status.UpdateRevision);
        Assert.Equal(0, status.CollisionCount);

        var pod = await Client.CoreV1.ReadNamespacedPodAsync("web-1", ns);
        Assert.Equal("web-1", pod.Metadata.Labels[StatefulPodIdentity.PodNameLabel]);
        Assert.Equal("1", pod.Metadata.Labels[StatefulPodIdentity.PodIndexLabel]);
        Assert.Equal(status.UpdateRevision, pod.Metadata.Labels["controller-revision-hash"]);
        Assert.Equal("web", pod.Metadata.Labels["app"]);
        Assert.Equal("web-1", pod.Spec.Hostname);
        Assert.Equal("web-svc", pod.Spec.Subdomain);
        var owner = Assert.Single(pod.Metadata.OwnerReferences);
        Assert.Equal(("StatefulSet", "web", true), (owner.Kind, owner.Name, owner.Controller ?? false));

        var revision = await Client.AppsV1.ReadNamespacedControllerRevisionAsync(status.UpdateRevision, ns);
        Assert.Equal(1, revision.Revision);
        Assert.StartsWith("web-", revision.Metadata.Name, StringComparison.Ordinal);
        Assert.True(revision.Metadata.OwnerReferences.Single().Controller);
    }

    [Fact]
    public async Task OrderedReady_ScaleDown_RemovesTheHighestOrdinalFirst_WaitingForEachToTerminate()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-down");
        await using (TestPods.KeepReady(Client, ns))
        {
            await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 3), ns);
            await WaitForStatusAsync(ns, "web", s => s.ReadyReplicas == 3, "3 ready replicas");
        }

        await ScaleAsync(ns, "web", 0);
        for (var i = 2; i >= 0; i--)
        {
            var victim = $"web-{i}";
            var pods = await Eventually.WaitAsync(
                async ct =>
                {
                    var list = await TestPods.ListAsync(Client, ns, ct);
                    return list.Any(p => p.Metadata.Name == victim && p.Metadata.DeletionTimestamp is not null) ? list : null;
                },
                Timeout,
                $"{victim} terminating");
            // Only the highest ordinal is going; the lower ones are untouched.
            Assert.Equal(i + 1, pods.Count);
            Assert.All(pods.Where(p => p.Metadata.Name != victim), p => Assert.Null(p.Metadata.DeletionTimestamp));
            await TestPods.FinishDeletionAsync(Client, ns, victim);
        }

        await WaitForPodsAsync(ns);
        await WaitForStatusAsync(ns, "web", s => s.Replicas == 0, "status.replicas=0");
    }

    [Fact]
    public async Task Parallel_CreatesAndDeletesAllPodsWithoutWaiting()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-par");
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("db", 3, "Parallel"), ns);

        // None is ever Ready here, yet all three appear.
        await WaitForPodsAsync(ns, "db-0", "db-1", "db-2");

        await ScaleAsync(ns, "db", 0);
        await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)).All(p => p.Metadata.DeletionTimestamp is not null),
            Timeout,
            "all pods terminating at once");
    }

    [Fact]
    public async Task DeletedPod_IsRecreatedUnderTheSameName()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-recreate");
        await using var ready = TestPods.KeepReady(Client, ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 2), ns);
        await WaitForStatusAsync(ns, "web", s => s.ReadyReplicas == 2, "2 ready replicas");
        var before = await Client.CoreV1.ReadNamespacedPodAsync("web-0", ns);

        await Client.CoreV1.DeleteNamespacedPodAsync("web-0", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });

        var after = await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)).FirstOrDefault(p => p.Metadata.Name == "web-0" && p.Metadata.Uid != before.Metadata.Uid),
            Timeout,
            "a new web-0");
        Assert.Equal(before.Metadata.Labels["controller-revision-hash"], after.Metadata.Labels["controller-revision-hash"]);
    }

    [Fact]
    public async Task FailedPod_IsReplaced()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-failed");
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 1, nodeName: null), ns);
        var first = (await WaitForPodsAsync(ns, "web-0")).Single();

        await TestPods.MarkFailedAsync(Client, ns, "web-0");

        await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)).FirstOrDefault(p => p.Metadata.Uid != first.Metadata.Uid && p.Status?.Phase != "Failed"),
            Timeout,
            "a fresh web-0");
    }

    [Fact]
    public async Task OrdinalsStart_NamesPodsFromThatOrdinal()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-start");
        var set = StatefulSetFixture.NewSet("web", 2, "Parallel");
        set.Spec.Ordinals = new V1StatefulSetOrdinals { Start = 5 };
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);

        var pods = await WaitForPodsAsync(ns, "web-5", "web-6");
        Assert.Contains(pods, p => p.Metadata.Labels[StatefulPodIdentity.PodIndexLabel] == "6");
    }

    [Fact]
    public async Task ForeignPodHoldingAName_BlocksThatOrdinal_UntilItIsGone()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-foreign");
        await Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "web-0", Labels = new Dictionary<string, string> { ["app"] = "other" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1" }] },
            },
            ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 2, nodeName: null), ns);

        await WaitForStatusAsync(ns, "web", s => s.ObservedGeneration == 1, "a first status");
        var foreign = await Client.CoreV1.ReadNamespacedPodAsync("web-0", ns);
        Assert.Null(foreign.Metadata.OwnerReferences);
        Assert.DoesNotContain(await TestPods.ListAsync(Client, ns), p => p.Metadata.Name == "web-1");

        await Client.CoreV1.DeleteNamespacedPodAsync("web-0", ns);
        var ours = (await WaitForPodsAsync(ns, "web-0")).Single();
        Assert.Equal("web", ours.Metadata.OwnerReferences.Single().Name);
    }

    [Fact]
    public async Task OrphanMatchingSelectorAndName_IsAdopted()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-adopt");
        var orphan = await Client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "web-0", Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1" }] },
            },
            ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 1, nodeName: null), ns);

        var adopted = await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ReadNamespacedPodAsync("web-0", ns, cancellationToken: ct)) is { Metadata.OwnerReferences: { Count: > 0 } } p ? p : null,
            Timeout,
            "web-0 adopted");
        Assert.Equal(orphan.Metadata.Uid, adopted.Metadata.Uid);
        Assert.Equal("web", adopted.Metadata.OwnerReferences.Single().Name);
    }

    [Fact]
    public async Task OwnedPodRelabelledOutOfSelector_IsReleased()
    {
        // The set used to keep every pod it owned; upstream's ClaimPods lets go of one that stops matching.
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-release");
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 1, nodeName: null), ns);
        var owned = (await WaitForPodsAsync(ns, "web-0")).Single();
        Assert.Equal("web", owned.Metadata.OwnerReferences.Single().Name);

        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"app":"other"}}}""", V1Patch.PatchType.MergePatch), "web-0", ns);

        var released = await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ReadNamespacedPodAsync("web-0", ns, cancellationToken: ct)) is { Metadata.OwnerReferences: null or { Count: 0 } } p ? p : null,
            Timeout,
            "web-0 released");
        Assert.Equal(owned.Metadata.Uid, released.Metadata.Uid);
    }

    [Fact]
    public async Task SelectorNotMatchingTemplate_IsRejectedByTheApiServer()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-bad");
        var set = StatefulSetFixture.NewSet("web", 1);
        set.Spec.Selector.MatchLabels["app"] = "other";

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("selector", e.Response.Content, StringComparison.Ordinal);
    }

    private async Task ScaleAsync(string ns, string name, int replicas) =>
        await Client.AppsV1.PatchNamespacedStatefulSetScaleAsync(
            new V1Patch($"{{\"spec\":{{\"replicas\":{replicas}}}}}", V1Patch.PatchType.MergePatch), name, ns);

    private async Task<IList<V1Pod>> WaitForPodsAsync(string ns, params string[] names) =>
        await Eventually.WaitAsync(
            async ct =>
            {
                var pods = await TestPods.ListAsync(Client, ns, ct);
                return pods.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).SequenceEqual(names.Order(StringComparer.Ordinal)) ? pods : null;
            },
            Timeout,
            $"pods [{string.Join(",", names)}]");

    private async Task<V1StatefulSetStatus> WaitForStatusAsync(string ns, string name, Func<V1StatefulSetStatus, bool> condition, string what) =>
        await Eventually.WaitAsync(
            async ct => (await Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct)).Status is { } s && condition(s) ? s : null,
            Timeout,
            what);
}
