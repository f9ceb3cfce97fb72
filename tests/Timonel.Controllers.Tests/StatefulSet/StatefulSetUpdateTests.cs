using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.StatefulSet;

public sealed class StatefulSetUpdateTests(StatefulSetFixture fixture) : IClassFixture<StatefulSetFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => fixture.Client;

    [Fact]
    public async Task RollingUpdate_WithPartition_UpdatesOnlyOrdinalsAtOrAboveIt_ThenAllWhenLowered()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-roll");
        await using var ready = TestPods.KeepReady(Client, ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 3), ns);
        var first = await WaitForStatusAsync(ns, s => s.ReadyReplicas == 3, "3 ready");

        await PatchAsync(ns, """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""");
        var partial = await WaitForStatusAsync(ns, s => s.ObservedGeneration == 2 && s.UpdatedReplicas == 1 && s.ReadyReplicas == 3, "web-2 updated");
        Assert.NotEqual(first.UpdateRevision, partial.UpdateRevision);
        Assert.Equal(first.CurrentRevision, partial.CurrentRevision);
        Assert.Equal(2, partial.CurrentReplicas);
        var images = await ImagesAsync(ns);
        Assert.Equal(["busybox:1", "busybox:1", "busybox:2"], images);

        await PatchAsync(ns, """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}""");
        var done = await WaitForStatusAsync(ns, s => s.ObservedGeneration == 3 && s.UpdatedReplicas == 3 && s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision, "rollout complete");
        Assert.Equal(partial.UpdateRevision, done.CurrentRevision);
        Assert.Equal(3, done.CurrentReplicas);
        Assert.Equal(["busybox:2", "busybox:2", "busybox:2"], await ImagesAsync(ns));

        var revisions = (await Client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items.OrderBy(r => r.Revision).ToList();
        Assert.Equal([first.UpdateRevision, done.UpdateRevision], revisions.Select(r => r.Metadata.Name));
        Assert.Equal([1L, 2L], revisions.Select(r => r.Revision));
    }

    [Fact]
    public async Task RollingBack_ReusesTheOldRevision_WithTheNextNumber()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-undo");
        await using var ready = TestPods.KeepReady(Client, ns);
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(StatefulSetFixture.NewSet("web", 1), ns);
        var v1 = await WaitForStatusAsync(ns, s => s.ReadyReplicas == 1, "ready");
        await PatchAsync(ns, """{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""");
        await WaitForStatusAsync(ns, s => s.ObservedGeneration == 2 && s.CurrentRevision == s.UpdateRevision && s.ReadyReplicas == 1, "v2 rolled");

        await PatchAsync(ns, """{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:1"}]}}}}""");
        var back = await WaitForStatusAsync(ns, s => s.ObservedGeneration == 3 && s.CurrentRevision == s.UpdateRevision && s.ReadyReplicas == 1, "rolled back");

        Assert.Equal(v1.UpdateRevision, back.UpdateRevision);
        var revision = await Client.AppsV1.ReadNamespacedControllerRevisionAsync(back.UpdateRevision, ns);
        Assert.Equal(3, revision.Revision);
        Assert.Equal(2, (await Client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items.Count);
    }

    [Fact]
    public async Task OnDelete_LeavesPodsAlone_AndRecreatesADeletedOneAtTheNewRevision()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-ondelete");
        await using var ready = TestPods.KeepReady(Client, ns);
        var set = StatefulSetFixture.NewSet("web", 2);
        set.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" };
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);
        await WaitForStatusAsync(ns, s => s.ReadyReplicas == 2, "2 ready");

        await PatchAsync(ns, """{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""");
        var pending = await WaitForStatusAsync(ns, s => s.ObservedGeneration == 2, "new generation observed");
        Assert.Equal(0, pending.UpdatedReplicas);
        Assert.Equal(["busybox:1", "busybox:1"], await ImagesAsync(ns));

        var old = await Client.CoreV1.ReadNamespacedPodAsync("web-1", ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("web-1", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await WaitForStatusAsync(ns, s => s.UpdatedReplicas == 1 && s.ReadyReplicas == 2, "web-1 recreated at the update revision");
        var recreated = await Client.CoreV1.ReadNamespacedPodAsync("web-1", ns);
        Assert.NotEqual(old.Metadata.Uid, recreated.Metadata.Uid);
        Assert.Equal(["busybox:1", "busybox:2"], await ImagesAsync(ns));
    }

    [Fact]
    public async Task RevisionHistoryLimit_PrunesTheOldestUnusedRevisions()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("ss-history");
        await using var ready = TestPods.KeepReady(Client, ns);
        var set = StatefulSetFixture.NewSet("web", 1);
        set.Spec.RevisionHistoryLimit = 1;
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);

        // Let the controller see the first template: a patch landing before its first sync would
        // leave that template without a revision, and only three would ever exist.
        await WaitForStatusAsync(ns, s => s.ObservedGeneration == 1 && s.CurrentRevision == s.UpdateRevision && s.ReadyReplicas == 1, "image 1 rolled");
        for (var v = 2; v <= 4; v++)
        {
            await PatchAsync(ns, """{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:IMAGE"}]}}}}""".Replace("IMAGE", v.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            var generation = v;
            await WaitForStatusAsync(ns, s => s.ObservedGeneration == generation && s.CurrentRevision == s.UpdateRevision && s.ReadyReplicas == 1, $"image {v} rolled");
        }

        // The live revision plus one in history; pruning may trail the rollout by a sync or two.
        long[] numbers = [];
        await Eventually.WaitAsync(
            async ct =>
            {
                numbers = [.. (await Client.AppsV1.ListNamespacedControllerRevisionAsync(ns, cancellationToken: ct)).Items.Select(r => r.Revision ?? 0).Order()];
                return numbers.SequenceEqual([3L, 4L]);
            },
            Timeout,
            "revisions [3, 4] left");
        Assert.Equal([3L, 4L], numbers);
    }

    private async Task PatchAsync(string ns, string patch) =>
        await Client.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "web", ns);

    private async Task<string[]> ImagesAsync(string ns) =>
        [.. (await TestPods.ListAsync(Client, ns)).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).Select(p => p.Spec.Containers[0].Image)];

    private async Task<V1StatefulSetStatus> WaitForStatusAsync(string ns, Func<V1StatefulSetStatus, bool> condition, string what) =>
        await Eventually.WaitAsync(
            async ct => (await Client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns, cancellationToken: ct)).Status is { } s && condition(s) ? s : null,
            Timeout,
            what);
}
