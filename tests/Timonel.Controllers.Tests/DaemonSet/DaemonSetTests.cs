using k8s;
using k8s.Models;
using Timonel.Controllers.DaemonSet;
using Timonel.Controllers.Tests.StatefulSet;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.DaemonSet;

/// <summary>One API server with the daemonset controller; nodes are cluster-wide, so each test names its own nodes and selects them by a per-test label.</summary>
public sealed class DaemonSetFixture : IAsyncLifetime
{
    private ControllerHarness? _harness;

    public ControllerHarness Harness => _harness ?? throw new InvalidOperationException("fixture not started");

    public async Task InitializeAsync() => _harness = await ControllerHarness.StartAsync(null, "daemonset");

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}

public sealed class DaemonSetTests(DaemonSetFixture fixture) : IClassFixture<DaemonSetFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private IKubernetes Client => fixture.Harness.Client;

    [Fact]
    public async Task Pods_FollowNodesAddedAndRemoved()
    {
        var (ns, pool) = await StartAsync("ds-follow");
        await CreateNodeAsync(pool, "a");
        await CreateNodeAsync(pool, "b");
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(NewDaemonSet("agent", pool), ns);

        await WaitForNodesWithPodsAsync(ns, $"{pool}-a", $"{pool}-b");
        var pod = (await TestPods.ListAsync(Client, ns)).First(p => DaemonPodTemplate.TargetNode(p) == $"{pool}-a");
        Assert.StartsWith("agent-", pod.Metadata.Name, StringComparison.Ordinal);
        var field = pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchFields.Single();
        Assert.Equal(("metadata.name", "In", $"{pool}-a"), (field.Key, field.OperatorProperty, field.Values.Single()));
        Assert.Null(pod.Spec.NodeName);
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unreachable" && t.Effect == "NoExecute" && t.TolerationSeconds is null);
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unschedulable" && t.Effect == "NoSchedule");
        Assert.DoesNotContain(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/network-unavailable");
        Assert.True(pod.Metadata.Labels.ContainsKey("controller-revision-hash"));

        await CreateNodeAsync(pool, "c");
        await WaitForNodesWithPodsAsync(ns, $"{pool}-a", $"{pool}-b", $"{pool}-c");

        await Client.CoreV1.DeleteNodeAsync($"{pool}-a");
        await WaitForNodesWithPodsAsync(ns, $"{pool}-b", $"{pool}-c");
        await WaitForStatusAsync(ns, s => s.DesiredNumberScheduled == 2 && s.CurrentNumberScheduled == 2 && s.NumberMisscheduled == 0, "2 desired and scheduled");
    }

    [Fact]
    public async Task NodeSelector_PodsOnlyOnMatchingNodes_AndFollowRelabelling()
    {
        var (ns, pool) = await StartAsync("ds-select");
        await CreateNodeAsync(pool, "ssd", new() { ["disk"] = "ssd" });
        await CreateNodeAsync(pool, "hdd", new() { ["disk"] = "hdd" });
        var ds = NewDaemonSet("agent", pool);
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(ds, ns);

        await WaitForNodesWithPodsAsync(ns, $"{pool}-ssd");
        await WaitForStatusAsync(ns, s => s.DesiredNumberScheduled == 1, "1 desired");

        await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"labels":{"disk":"ssd"}}}""", V1Patch.PatchType.MergePatch), $"{pool}-hdd");
        await WaitForNodesWithPodsAsync(ns, $"{pool}-ssd", $"{pool}-hdd");

        await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"metadata":{"labels":{"disk":"hdd"}}}""", V1Patch.PatchType.MergePatch), $"{pool}-ssd");
        await WaitForNodesWithPodsAsync(ns, $"{pool}-hdd");
    }

    [Fact]
    public async Task Taints_KeepPodsOffUnlessTolerated_DefaultTolerationsCoverNodeConditions()
    {
        var (ns, pool) = await StartAsync("ds-taint");
        await CreateNodeAsync(pool, "plain");
        await CreateNodeAsync(pool, "dedicated", taints: [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }]);
        await CreateNodeAsync(pool, "notready", taints: [new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoExecute" }]);
        await CreateNodeAsync(pool, "cordoned", taints: [new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" }]);
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(NewDaemonSet("plain", pool), ns);
        var tolerant = NewDaemonSet("tolerant", pool);
        tolerant.Spec.Template.Spec.Tolerations = [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoSchedule" }];
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(tolerant, ns);

        await WaitForSetPodsAsync(ns, "plain", $"{pool}-plain", $"{pool}-notready", $"{pool}-cordoned");
        await WaitForSetPodsAsync(ns, "tolerant", $"{pool}-plain", $"{pool}-dedicated", $"{pool}-notready", $"{pool}-cordoned");

        // A NoSchedule taint added later keeps the running pod (misscheduled); a NoExecute one evicts it.
        await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"spec":{"taints":[{"key":"maintenance","effect":"NoSchedule"}]}}""", V1Patch.PatchType.MergePatch), $"{pool}-plain");
        await WaitForStatusAsync(ns, s => s.NumberMisscheduled == 1 && s.DesiredNumberScheduled == 2, "plain: 1 misscheduled", "plain");
        await WaitForSetPodsAsync(ns, "plain", $"{pool}-plain", $"{pool}-notready", $"{pool}-cordoned");
        await Client.CoreV1.PatchNodeAsync(new V1Patch("""{"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}}""", V1Patch.PatchType.MergePatch), $"{pool}-plain");
        await WaitForSetPodsAsync(ns, "plain", $"{pool}-notready", $"{pool}-cordoned");
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(0, 1)]
    public async Task RollingUpdate_ReplacesEveryPodWithTheNewTemplate(int maxUnavailable, int maxSurge)
    {
        var (ns, pool) = await StartAsync("ds-roll");
        foreach (var n in new[] { "a", "b", "c" })
        {
            await CreateNodeAsync(pool, n);
        }

        await using var ready = TestPods.KeepReady(Client, ns);
        var ds = NewDaemonSet("agent", pool);
        ds.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy
        {
            Type = "RollingUpdate",
            RollingUpdate = new V1RollingUpdateDaemonSet { MaxUnavailable = maxUnavailable, MaxSurge = maxSurge },
        };
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(ds, ns);
        await WaitForStatusAsync(ns, s => s.NumberAvailable == 3 && s.UpdatedNumberScheduled == 3, "3 available");

        await Client.AppsV1.PatchNamespacedDaemonSetAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "agent", ns);

        await WaitForStatusAsync(ns, s => s.ObservedGeneration == 2 && s.UpdatedNumberScheduled == 3 && s.NumberAvailable == 3 && s.DesiredNumberScheduled == 3, "rollout complete");
        var pods = await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)) is { Count: 3 } p && p.All(x => x.Spec.Containers[0].Image == "busybox:2") ? p : null,
            Timeout,
            "three pods on the new image");
        Assert.Equal(3, pods.Select(DaemonPodTemplate.TargetNode).Distinct().Count());
        var revisions = (await Client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items;
        Assert.Equal([1L, 2L], revisions.Select(r => r.Revision ?? 0).Order());
    }

    [Fact]
    public async Task OnDelete_OnlyDeletedPodsComeBackUpdated()
    {
        var (ns, pool) = await StartAsync("ds-ondelete");
        await CreateNodeAsync(pool, "a");
        await CreateNodeAsync(pool, "b");
        var ds = NewDaemonSet("agent", pool);
        ds.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "OnDelete" };
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(ds, ns);
        await WaitForNodesWithPodsAsync(ns, $"{pool}-a", $"{pool}-b");

        await Client.AppsV1.PatchNamespacedDaemonSetAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"busybox:2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "agent", ns);
        await WaitForStatusAsync(ns, s => s.ObservedGeneration == 2 && s.UpdatedNumberScheduled == 0, "generation 2 observed, nothing updated");

        var victim = (await TestPods.ListAsync(Client, ns)).First(p => DaemonPodTemplate.TargetNode(p) == $"{pool}-a");
        await Client.CoreV1.DeleteNamespacedPodAsync(victim.Metadata.Name, ns);

        var images = await Eventually.WaitAsync(
            async ct =>
            {
                var pods = await TestPods.ListAsync(Client, ns, ct);
                return pods.Count == 2 && pods.All(p => p.Metadata.Uid != victim.Metadata.Uid)
                    ? pods.OrderBy(DaemonPodTemplate.TargetNode, StringComparer.Ordinal).Select(p => p.Spec.Containers[0].Image).ToArray()
                    : null;
            },
            Timeout,
            "a replacement on node a");
        Assert.Equal(["busybox:2", "busybox:1"], images);
    }

    [Fact]
    public async Task FailedPod_IsReplacedOnItsNode()
    {
        var (ns, pool) = await StartAsync("ds-failed");
        await CreateNodeAsync(pool, "a");
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(NewDaemonSet("agent", pool), ns);
        var first = (await WaitForNodesWithPodsAsync(ns, $"{pool}-a")).Single();

        await TestPods.MarkFailedAsync(Client, ns, first.Metadata.Name);

        await Eventually.WaitAsync(
            async ct => (await TestPods.ListAsync(Client, ns, ct)) is { Count: 1 } p && p[0].Metadata.Uid != first.Metadata.Uid,
            Timeout,
            "a replacement pod");
    }

    [Fact]
    public async Task ChangedSelector_IsRejectedByTheApiServer()
    {
        var (ns, pool) = await StartAsync("ds-bad");
        await Client.AppsV1.CreateNamespacedDaemonSetAsync(NewDaemonSet("agent", pool), ns);

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => Client.AppsV1.PatchNamespacedDaemonSetAsync(
            new V1Patch("""{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}""", V1Patch.PatchType.MergePatch), "agent", ns));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("field is immutable", e.Response.Content, StringComparison.Ordinal);
    }

    private async Task<(string Namespace, string Pool)> StartAsync(string prefix)
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync(prefix);
        return (ns, ns);
    }

    /// <summary>A node "&lt;pool&gt;-&lt;name&gt;" labelled pool=&lt;pool&gt;, so only this test's DaemonSets target it.</summary>
    private async Task CreateNodeAsync(string pool, string name, Dictionary<string, string>? labels = null, List<V1Taint>? taints = null)
    {
        var all = new Dictionary<string, string>(labels ?? []) { ["pool"] = pool };
        await Client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = $"{pool}-{name}", Labels = all },
            Spec = new V1NodeSpec { Taints = taints },
        });
    }

    private static V1DaemonSet NewDaemonSet(string name, string pool) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DaemonSetSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec
                {
                    Affinity = new V1Affinity
                    {
                        NodeAffinity = new V1NodeAffinity
                        {
                            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                            {
                                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "pool", OperatorProperty = "In", Values = [pool] }] }],
                            },
                        },
                    },
                    Containers = [new V1Container { Name = "main", Image = "busybox:1" }],
                },
            },
        },
    };

    private Task<IList<V1Pod>> WaitForNodesWithPodsAsync(string ns, params string[] nodes) => WaitForSetPodsAsync(ns, null, nodes);

    private async Task<IList<V1Pod>> WaitForSetPodsAsync(string ns, string? set, params string[] nodes) =>
        await Eventually.WaitAsync(
            async ct =>
            {
                var pods = (await TestPods.ListAsync(Client, ns, ct))
                    .Where(p => p.Metadata.DeletionTimestamp is null && (set is null || p.Metadata.Labels["app"] == set)).ToList();
                var targets = pods.Select(DaemonPodTemplate.TargetNode).Order(StringComparer.Ordinal).ToList();
                return targets.SequenceEqual(nodes.Order(StringComparer.Ordinal)) ? pods : null;
            },
            Timeout,
            $"daemon pods on exactly [{string.Join(",", nodes)}]");

    private async Task<V1DaemonSetStatus> WaitForStatusAsync(string ns, Func<V1DaemonSetStatus, bool> condition, string what, string name = "agent") =>
        await Eventually.WaitAsync(
            async ct => (await Client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: ct)).Status is { } s && condition(s) ? s : null,
            Timeout,
            what);
}
