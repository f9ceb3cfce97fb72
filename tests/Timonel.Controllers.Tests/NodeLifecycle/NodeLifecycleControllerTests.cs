using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.NodeLifecycle.NodeFixtures;

namespace Timonel.Controllers.Tests.NodeLifecycle;

public sealed class NodeLifecycleControllerTests
{
    [Fact]
    public async Task Monitor_StaleLease_MarksNodeUnknownAndTaintsUnreachable()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1");
        await RenewLeaseAsync(harness.Client, "n1");

        var node = await WaitForNodeAsync(harness.Client, "n1", n => HasTaint(n, "node.kubernetes.io/unreachable", "NoExecute"), "unreachable taint");

        var ready = node.Status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal("Unknown", Condition(node, "MemoryPressure"));
        Assert.True(HasTaint(node, "node.kubernetes.io/unreachable", "NoSchedule"));
        Assert.NotNull(node.Spec.Taints.Single(t => t.Effect == "NoExecute").TimeAdded);
    }

    [Fact]
    public async Task Monitor_NewNode_RegisteredNodeEventOnceAsUpstream()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 3), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1");
        await RenewLeaseAsync(harness.Client, "n1");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!harness.Events.Any(e => e.Reason == "RegisteredNode") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        // A few more monitor passes: the node is announced once, not on every pass.
        await Task.Delay(1500);
        var registered = Assert.Single(harness.Events, e => e.Reason == "RegisteredNode");
        Assert.Equal(("Node", "n1", "node-controller", "Normal", "Node n1 event: Registered Node n1 in Controller"), (registered.Kind, registered.Name, registered.Component, registered.Type, registered.Message));
    }

    [Fact]
    public async Task Monitor_RenewedLease_KeepsNodeReadyAndUntainted()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 3), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1");
        await CreateNodeAsync(harness.Client, "stale");

        // The stale node proves the controller is running; n1's lease is renewed all along.
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            await RenewLeaseAsync(harness.Client, "n1");
            var stale = await harness.Client.CoreV1.ReadNodeAsync("stale");
            if (Condition(stale, "Ready") == "Unknown")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the stale node never went Unknown");
            await Task.Delay(300);
        }

        var node = await harness.Client.CoreV1.ReadNodeAsync("n1");
        Assert.Equal("True", Condition(node, "Ready"));
        Assert.Null(node.Spec?.Taints);
    }

    [Fact]
    public async Task Monitor_NodeRecovers_TaintsAreRemoved()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1");
        await WaitForNodeAsync(harness.Client, "n1", n => HasTaint(n, "node.kubernetes.io/unreachable", "NoExecute"), "unreachable taint");

        using var stop = new CancellationTokenSource();
        var heartbeats = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await RenewLeaseAsync(harness.Client, "n1");
                await PostStatusAsync(harness.Client, "n1", "True");
                await Task.Delay(300);
            }
        });

        try
        {
            var node = await WaitForNodeAsync(harness.Client, "n1", n => n.Spec?.Taints is null or { Count: 0 }, "taints removed");
            Assert.Equal("True", Condition(node, "Ready"));
        }
        finally
        {
            await stop.CancelAsync();
            await heartbeats;
        }
    }

    [Fact]
    public async Task Monitor_NodeReportsNotReady_GetsNotReadyTaints()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 30), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1", ready: "False");

        var node = await WaitForNodeAsync(harness.Client, "n1", n => HasTaint(n, "node.kubernetes.io/not-ready", "NoExecute"), "not-ready taint");

        Assert.True(HasTaint(node, "node.kubernetes.io/not-ready", "NoSchedule"));
        Assert.False(HasTaint(node, "node.kubernetes.io/unreachable", "NoExecute"));
    }

    [Fact]
    public async Task Monitor_NodeNeverPostedStatus_IsMarkedNeverUpdatedAfterStartupGrace()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 1), "nodelifecycle");
        await harness.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "silent" } });

        var node = await WaitForNodeAsync(harness.Client, "silent", n => Condition(n, "Ready") == "Unknown", "Ready Unknown");

        Assert.Equal("NodeStatusNeverUpdated", node.Status.Conditions.Single(c => c.Type == "Ready").Reason);
    }

    [Fact]
    public async Task Taints_CordonedNode_GetsUnschedulableTaint()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(graceSeconds: 30), "nodelifecycle");
        await CreateNodeAsync(harness.Client, "n1");

        await harness.Client.CoreV1.PatchNodeAsync(new V1Patch("{\"spec\":{\"unschedulable\":true}}", V1Patch.PatchType.MergePatch), "n1");

        await WaitForNodeAsync(harness.Client, "n1", n => HasTaint(n, "node.kubernetes.io/unschedulable", "NoSchedule"), "unschedulable taint");
    }

    [Fact]
    public async Task Monitor_NodeUnknown_MarksItsPodsNotReady()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(), "nodelifecycle");
        var ns = await harness.Cluster.CreateNamespaceAsync("notready");
        await CreateNodeAsync(harness.Client, "n1");
        var forever = new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute" };
        var pod = await CreatePodAsync(harness.Client, ns, "web", "n1", forever);
        await MarkRunningAsync(harness.Client, pod);

        await Eventually.WaitAsync(
            async ct => (await harness.Client.CoreV1.ReadNamespacedPodAsync("web", ns, cancellationToken: ct)).Status.Conditions.Single(c => c.Type == "Ready").Status == "False",
            WaitLimit,
            "pod Ready=False");

        // Tolerating the taint forever, it is not evicted.
        Assert.Null((await harness.Client.CoreV1.ReadNamespacedPodAsync("web", ns)).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Evict_UnreachableNode_PodWithShortTolerationIsDeleted()
    {
        await using var harness = await ControllerHarness.StartAsync(FastOptions(), "nodelifecycle");
        var ns = await harness.Cluster.CreateNamespaceAsync("evict");
        await CreateNodeAsync(harness.Client, "n1");
        var brief = new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 1 };
        await CreatePodAsync(harness.Client, ns, "web", "n1", brief);

        await Eventually.WaitAsync(ct => IsDeletedAsync(harness.Client, ns, "web", ct), WaitLimit, "pod evicted");
    }
}
