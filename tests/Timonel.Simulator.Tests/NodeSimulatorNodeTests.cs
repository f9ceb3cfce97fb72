using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class NodeSimulatorNodeTests
{
    [Fact]
    public async Task Run_SimulatedNode_IsReadyWithNodeInfoAddressesAndOwnedLease()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var created = await sim.CreateNodeAsync("sim-a", "10.42.20.0/24");

        var node = await Eventually.WaitAsync(
            async ct =>
            {
                var n = await sim.Client.CoreV1.ReadNodeAsync("sim-a", cancellationToken: ct);
                return n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true ? n : null;
            },
            SimulatorHarness.Timeout,
            "node Ready");

        Assert.Equal("KubeletReady", node.Status.Conditions.Single(c => c.Type == "Ready").Reason);
        foreach (var pressure in new[] { "MemoryPressure", "DiskPressure", "PIDPressure" })
        {
            Assert.Equal("False", node.Status.Conditions.Single(c => c.Type == pressure).Status);
        }

        Assert.Equal("timonel-sim://1", node.Status.NodeInfo.ContainerRuntimeVersion);
        Assert.False(string.IsNullOrEmpty(node.Status.NodeInfo.KubeletVersion));
        Assert.Contains(node.Status.Addresses, a => a.Type == "InternalIP" && !string.IsNullOrEmpty(a.Address));
        Assert.Equal(node.Status.Capacity["pods"].ToString(), node.Status.Allocatable["pods"].ToString());

        var lease = await Eventually.WaitAsync(
            async ct => await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease", cancellationToken: ct),
            SimulatorHarness.Timeout,
            "node lease");
        Assert.Equal("sim-a", lease.Spec.HolderIdentity);
        var owner = Assert.Single(lease.Metadata.OwnerReferences);
        Assert.Equal(("Node", created.Metadata.Uid), (owner.Kind, owner.Uid));
    }

    [Fact]
    public async Task Run_Lease_IsRenewedPeriodically()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        await sim.CreateNodeAsync("sim-a", "10.42.21.0/24");
        var first = await Eventually.WaitAsync(
            async ct => await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease", cancellationToken: ct),
            SimulatorHarness.Timeout,
            "node lease");

        await Eventually.WaitAsync(
            async ct => (await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease", cancellationToken: ct)).Spec.RenewTime > first.Spec.RenewTime,
            SimulatorHarness.Timeout,
            "lease renewed");
    }

    [Fact]
    public async Task Run_HeartbeatStopped_LeaseIsNoLongerRenewedUntilResumed()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        await sim.CreateNodeAsync("sim-a", "10.42.22.0/24");
        await Eventually.WaitAsync(
            async ct => await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease", cancellationToken: ct),
            SimulatorHarness.Timeout,
            "node lease");

        await sim.Client.CoreV1.PatchNodeAsync(new V1Patch($"{{\"metadata\":{{\"annotations\":{{\"{SimulationAnnotations.Heartbeat}\":\"stopped\"}}}}}}", V1Patch.PatchType.MergePatch), "sim-a");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // a renewal may have been in flight when the annotation landed
        var stopped = await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease");
        await Task.Delay(TimeSpan.FromSeconds(3)); // three renew intervals

        var later = await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease");
        Assert.Equal(stopped.Spec.RenewTime, later.Spec.RenewTime);

        await sim.Client.CoreV1.PatchNodeAsync(new V1Patch($"{{\"metadata\":{{\"annotations\":{{\"{SimulationAnnotations.Heartbeat}\":null}}}}}}", V1Patch.PatchType.MergePatch), "sim-a");
        await Eventually.WaitAsync(
            async ct => (await sim.Client.CoordinationV1.ReadNamespacedLeaseAsync("sim-a", "kube-node-lease", cancellationToken: ct)).Spec.RenewTime > later.Spec.RenewTime,
            SimulatorHarness.Timeout,
            "lease renewed after resume");
    }

    [Fact]
    public async Task Run_HeartbeatStopped_PodsOnNodeDoNotStart()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("lost");
        var node = new SimulatedNodeTemplate().Build("sim-a");
        node.Spec.PodCIDR = "10.42.23.0/24";
        node.Metadata.Annotations = new Dictionary<string, string> { [SimulationAnnotations.Heartbeat] = "stopped" };
        await sim.Client.CoreV1.CreateNodeAsync(node);
        await sim.CreateNodeAsync("sim-b", "10.42.24.0/24");
        await sim.CreatePodAsync(ns, "stuck", "sim-a");
        await sim.CreatePodAsync(ns, "fine", "sim-b");

        await sim.WaitForPodAsync(ns, "fine", p => p.Status?.Phase == "Running", "pod on healthy node Running");

        Assert.Null((await sim.Client.CoreV1.ReadNamespacedPodAsync("stuck", ns)).Status?.ContainerStatuses);
    }
}
