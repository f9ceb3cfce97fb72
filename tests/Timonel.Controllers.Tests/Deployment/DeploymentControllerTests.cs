using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.Client.Informers;
using Timonel.Controllers.Deployment;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.Deployment;

public sealed class DeploymentControllerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static V1Deployment Deployment(string name, int replicas, string image = "nginx:1", string strategy = "RollingUpdate", string surge = "25%", string unavailable = "25%", int? historyLimit = null, int? deadline = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            RevisionHistoryLimit = historyLimit,
            ProgressDeadlineSeconds = deadline,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Strategy = strategy == "Recreate"
                ? new V1DeploymentStrategy { Type = "Recreate" }
                : new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = image }] },
            },
        },
    };

    private static Task SetImageAsync(IKubernetes client, string ns, string name, string image) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"" + image + "\"}]}}}}", V1Patch.PatchType.StrategicMergePatch), name, ns);

    /// <summary>What kubectl rollout status waits for: observed, all updated, all available, nothing old left.</summary>
    private static async Task<V1Deployment> WaitCompleteAsync(IKubernetes client, string ns, string name, string? image = null) =>
        await Eventually.WaitAsync(async ct =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct);
            var s = d.Status;
            var done = s is not null && s.ObservedGeneration >= d.Metadata.Generation && s.UpdatedReplicas == d.Spec.Replicas
                && s.Replicas == d.Spec.Replicas && s.AvailableReplicas == d.Spec.Replicas
                && (image is null || d.Spec.Template.Spec.Containers[0].Image == image);
            return done ? d : null;
        }, Wait, $"deployment {name} rolled out");

    private static async Task<IList<V1ReplicaSet>> ReplicaSetsAsync(IKubernetes client, string ns) =>
        (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;

    [Fact]
    public async Task Sync_NewDeployment_CreatesHashedReplicaSetAndBecomesAvailable()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-create");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 3), ns);

        var d = await WaitCompleteAsync(harness.Client, ns, "web");

        var rs = Assert.Single(await ReplicaSetsAsync(harness.Client, ns));
        var hash = rs.Spec.Template.Metadata.Labels[PodTemplateHash.Label];
        Assert.Equal($"web-{hash}", rs.Metadata.Name);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels[PodTemplateHash.Label]);
        Assert.Equal(d.Metadata.Uid, Assert.Single(rs.Metadata.OwnerReferences).Uid);
        Assert.Equal("1", rs.Metadata.Annotations[RevisionAnnotations.Revision]);
        Assert.Equal("3", rs.Metadata.Annotations[RevisionAnnotations.DesiredReplicas]);
        Assert.Equal("4", rs.Metadata.Annotations[RevisionAnnotations.MaxReplicas]);
        Assert.Equal("1", d.Metadata.Annotations[RevisionAnnotations.Revision]);
        Assert.Equal(0, d.Status.UnavailableReplicas ?? 0);
        var complete = await Eventually.WaitAsync(async ct =>
        {
            var cur = await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns, cancellationToken: ct);
            return cur.Status.Conditions?.FirstOrDefault(c => c.Type == "Progressing") is { Reason: "NewReplicaSetAvailable" } ? cur : null;
        }, Wait, "Progressing=NewReplicaSetAvailable");
        var available = Assert.Single(complete.Status.Conditions, c => c.Type == "Available");
        Assert.Equal(("True", "MinimumReplicasAvailable"), (available.Status, available.Reason));
        Assert.Contains(harness.Events, e => e.Reason == "ScalingReplicaSet" && e.Message == $"Scaled up replica set {rs.Metadata.Name} from 0 to 3");
    }

    [Fact]
    public async Task RollingUpdate_NewImage_StaysWithinSurgeAndUnavailabilityAtEveryStep()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-rolling");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 4, surge: "1", unavailable: "25%"), ns);
        await WaitCompleteAsync(harness.Client, ns, "web");

        // Watch every pod change from here on: never more than 4+1 pods, never fewer than 4-1 ready.
        var violations = new ConcurrentQueue<string>();
        await using var informers = new SharedInformerFactory(harness.Cluster.NewClient(), NullLoggerFactory.Instance);
        var pods = informers.Get(ResourceKinds.Pods);
        var armed = false;
        void Check()
        {
            if (!Volatile.Read(ref armed))
            {
                // The initial list arrives one pod at a time: only judge complete states.
                return;
            }

            var active = pods.Cache.ListByNamespace(ns).Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            var ready = active.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
            if (active.Count > 5 || ready < 3)
            {
                violations.Enqueue($"{active.Count} pods, {ready} ready");
            }
        }

        pods.AddEventHandler(_ => Check(), (_, _) => Check(), _ => Check());
        informers.Start();
        await informers.WaitForCacheSyncAsync(CancellationToken.None);
        Volatile.Write(ref armed, true);

        await SetImageAsync(harness.Client, ns, "web", "nginx:2");
        var d = await WaitCompleteAsync(harness.Client, ns, "web", "nginx:2");

        Assert.Empty(violations);
        Assert.Equal("2", d.Metadata.Annotations[RevisionAnnotations.Revision]);
        var sets = await ReplicaSetsAsync(harness.Client, ns);
        Assert.Equal(2, sets.Count);
        Assert.Equal(0, sets.Single(rs => rs.Spec.Template.Spec.Containers[0].Image == "nginx:1").Spec.Replicas);
        var live = (await harness.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.Equal(4, live.Count);
        Assert.All(live, p => Assert.Equal("nginx:2", p.Spec.Containers[0].Image));
    }

    [Fact]
    public async Task Recreate_NewImage_OldPodsGoneBeforeNewOnesStart()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-recreate");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 3, strategy: "Recreate"), ns);
        await WaitCompleteAsync(harness.Client, ns, "web");

        var mixed = new ConcurrentQueue<string>();
        await using var informers = new SharedInformerFactory(harness.Cluster.NewClient(), NullLoggerFactory.Instance);
        var pods = informers.Get(ResourceKinds.Pods);
        void Check()
        {
            var images = pods.Cache.ListByNamespace(ns).Select(p => p.Spec.Containers[0].Image).Distinct().ToList();
            if (images.Count > 1)
            {
                mixed.Enqueue(string.Join(",", images));
            }
        }

        pods.AddEventHandler(_ => Check(), (_, _) => Check(), _ => Check());
        informers.Start();
        await informers.WaitForCacheSyncAsync(CancellationToken.None);

        await SetImageAsync(harness.Client, ns, "web", "nginx:2");
        await WaitCompleteAsync(harness.Client, ns, "web", "nginx:2");

        Assert.Empty(mixed);
    }

    [Fact]
    public async Task Rollback_TemplateOfAnOldReplicaSet_ReusesItUnderANewRevision()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-undo");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 2), ns);
        await WaitCompleteAsync(harness.Client, ns, "web");
        var first = Assert.Single(await ReplicaSetsAsync(harness.Client, ns));
        await SetImageAsync(harness.Client, ns, "web", "nginx:2");
        await WaitCompleteAsync(harness.Client, ns, "web", "nginx:2");

        // What kubectl rollout undo sends: the old ReplicaSet's template, without its hash label.
        await SetImageAsync(harness.Client, ns, "web", "nginx:1");
        var d = await WaitCompleteAsync(harness.Client, ns, "web", "nginx:1");

        var sets = await ReplicaSetsAsync(harness.Client, ns);
        Assert.Equal(2, sets.Count);
        var reused = sets.Single(rs => rs.Metadata.Uid == first.Metadata.Uid);
        Assert.Equal(2, reused.Spec.Replicas);
        Assert.Equal("3", reused.Metadata.Annotations[RevisionAnnotations.Revision]);
        Assert.Equal("1", reused.Metadata.Annotations[RevisionAnnotations.RevisionHistory]);
        Assert.Equal("3", d.Metadata.Annotations[RevisionAnnotations.Revision]);
        var live = (await harness.Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null);
        Assert.All(live, p => Assert.Equal(first.Spec.Template.Metadata.Labels[PodTemplateHash.Label], p.Metadata.Labels[PodTemplateHash.Label]));
    }

    [Fact]
    public async Task Paused_TemplateChange_NoRolloutUntilResumedButScalingApplies()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-pause");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 2), ns);
        await WaitCompleteAsync(harness.Client, ns, "web");

        await harness.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"paused":true}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await SetImageAsync(harness.Client, ns, "web", "nginx:2");
        await harness.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", ns);

        var paused = await Eventually.WaitAsync(async ct =>
        {
            var d = await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns, cancellationToken: ct);
            return d.Status.ObservedGeneration == d.Metadata.Generation && d.Status.AvailableReplicas == 3 ? d : null;
        }, Wait, "paused deployment scaled to 3");
        Assert.Equal(("Unknown", "DeploymentPaused"), paused.Status.Conditions.Where(c => c.Type == "Progressing").Select(c => (c.Status, c.Reason)).Single());
        var only = Assert.Single(await ReplicaSetsAsync(harness.Client, ns));
        Assert.Equal(("nginx:1", 3), (only.Spec.Template.Spec.Containers[0].Image, only.Spec.Replicas));

        await harness.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"paused":false}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await WaitCompleteAsync(harness.Client, ns, "web", "nginx:2");
        Assert.Equal(2, (await ReplicaSetsAsync(harness.Client, ns)).Count);
    }

    [Fact]
    public async Task Cleanup_RevisionHistoryLimit_KeepsOnlyThatManyOldReplicaSets()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-history");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 1, historyLimit: 1), ns);
        await WaitCompleteAsync(harness.Client, ns, "web");
        foreach (var image in new[] { "nginx:2", "nginx:3", "nginx:4" })
        {
            await SetImageAsync(harness.Client, ns, "web", image);
            await WaitCompleteAsync(harness.Client, ns, "web", image);
        }

        var sets = await Eventually.WaitAsync(async ct => await ReplicaSetsAsync(harness.Client, ns) is { Count: 2 } s ? s : null, Wait, "two ReplicaSets left");
        Assert.Equal(
            ["nginx:3", "nginx:4"],
            sets.Select(rs => rs.Spec.Template.Spec.Containers[0].Image).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sync_QuotaBlocksPods_ReportsReplicaFailureAndProgressDeadlineExceeded()
    {
        await using var harness = await WorkloadHarness.StartAsync("deployment", "replicaset");
        var ns = await harness.Cluster.CreateNamespaceAsync("dep-quota");
        await using var faker = PodStatusFaker.Start(harness.Client, ns);
        await ReplicaSet.ReplicaSetControllerTests.CreatePodQuotaAsync(harness.Client, ns, 2);
        await harness.Client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 3, deadline: 3), ns);

        var d = await Eventually.WaitAsync(async ct =>
        {
            var cur = await harness.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns, cancellationToken: ct);
            return cur.Status?.Conditions?.Any(c => c is { Type: "Progressing", Reason: "ProgressDeadlineExceeded" }) == true
                && cur.Status.Conditions.Any(c => c.Type == "ReplicaFailure") ? cur : null;
        }, Wait, "ProgressDeadlineExceeded and ReplicaFailure");

        Assert.Equal("False", d.Status.Conditions.Single(c => c.Type == "Progressing").Status);
        Assert.Contains("exceeded quota", d.Status.Conditions.Single(c => c.Type == "ReplicaFailure").Message, StringComparison.Ordinal);
        Assert.Equal(("False", "MinimumReplicasUnavailable"), d.Status.Conditions.Where(c => c.Type == "Available").Select(c => (c.Status, c.Reason)).Single());
    }
}
