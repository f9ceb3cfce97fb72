using Timonel.Kubelet.Cri.V1;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>A node-pressure eviction (DiskPressureMonitor's request) carried out by the pod's worker.</summary>
public sealed class NodePressureEvictionTests
{
    [Fact]
    public async Task SyncPodAsync_EvictionRequested_KillsContainersAndPostsFailedEvicted()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        h.Runtime.AddImage("docker.io/library/busybox:1.36");
        await h.SyncAsync();
        Assert.Equal(ContainerState.ContainerRunning, h.Newest("app").State);
        Assert.Equal("Running", h.Posted[^1].Phase);

        // A sync without a request leaves the pod running: what follows is the request's doing.
        await h.SyncAsync();
        Assert.Equal(ContainerState.ContainerRunning, h.Newest("app").State);

        const string message = "The node was low on resource: ephemeral-storage. Threshold quantity: 10Ki, available: 1Ki. ";
        h.Rt.Eviction.Request(h.Pod.Metadata.Uid, message);
        await h.SyncAsync();

        Assert.Equal(ContainerState.ContainerExited, h.Newest("app").State);
        var status = h.Posted[^1];
        Assert.Equal(("Failed", "Evicted", message), (status.Phase, status.Reason, status.Message));
        Assert.Contains("Evicted: " + message, await h.EventTextsAsync());

        // Not restarted by later syncs.
        h.Pod.Status = status;
        await h.SyncAsync();
        Assert.Single(h.Runtime.ContainersNamed("app"));
    }
}
