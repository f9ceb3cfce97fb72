using k8s.Models;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>
/// In-place resize in the kubelet over the in-memory runtime: applied through
/// UpdateContainerResources without a restart, a restart where resizePolicy says so, and a resize
/// the node cannot fit left pending with nothing touched.
/// </summary>
public sealed class PodResizeSyncTests
{
    private const long Mi = 1024 * 1024;

    private static V1Pod Pod(string cpuRequest = "100m", string cpuLimit = "200m", string memRequest = "64Mi", string memLimit = "128Mi", string? memoryPolicy = null)
    {
        var pod = PodSyncerHarness.NewPod("Always");
        var c = pod.Spec.Containers[0];
        c.Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memRequest) },
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memLimit) },
        };
        if (memoryPolicy is not null)
        {
            c.ResizePolicy = [new V1ContainerResizePolicy { ResourceName = "memory", RestartPolicy = memoryPolicy }];
        }

        return pod;
    }

    /// <summary>The pod as the API would hand it over after a resize: same uid, new spec resources.</summary>
    private static V1Pod Resized(V1Pod running, V1Pod spec)
    {
        spec.Status = running.Status;
        return spec;
    }

    private static V1PodCondition? Condition(V1PodStatus status, string type) => status.Conditions.SingleOrDefault(c => c.Type == type);

    [Fact]
    public async Task SyncPodAsync_ResizeNotRequired_UpdatesResourcesInPlaceWithoutRestart()
    {
        await using var h = new PodSyncerHarness(Pod(), allocatable: new NodeAllocatable(4000, 8192 * Mi));
        await h.SyncAsync();
        var id = h.Newest("app").Id;
        Assert.Equal(128 * Mi, h.Runtime.ResourcesOf(id)!.MemoryLimitInBytes);
        Assert.Equal("64Mi", h.Posted[^1].ContainerStatuses[0].AllocatedResources["memory"].ToString());
        h.Runtime.Calls.Clear();

        h.Pod = Resized(h.Pod, Pod(cpuRequest: "150m", cpuLimit: "300m", memRequest: "96Mi", memLimit: "256Mi"));
        await h.SyncAsync();

        // The sync that allocates reports the resize in progress and applies it on the next one.
        var allocating = h.Posted[^1];
        Assert.Equal("True", Condition(allocating, "PodResizeInProgress")?.Status);
        Assert.Equal("96Mi", allocating.ContainerStatuses[0].AllocatedResources["memory"].ToString());
        Assert.Equal("128Mi", allocating.ContainerStatuses[0].Resources.Limits["memory"].ToString());
        Assert.True(await h.WaitForWakeAsync(TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("UpdateContainerResources", StringComparison.Ordinal));

        await h.SyncAsync();

        Assert.Equal(["UpdateContainerResources app/0"], h.Runtime.Calls);
        Assert.Equal(id, h.Newest("app").Id);
        var applied = h.Runtime.ResourcesOf(id)!;
        Assert.Equal(256 * Mi, applied.MemoryLimitInBytes);
        Assert.Equal(30_000, applied.CpuQuota);
        Assert.Equal(153, applied.CpuShares);
        var done = h.Posted[^1];
        Assert.Null(Condition(done, "PodResizeInProgress"));
        Assert.Equal("256Mi", done.ContainerStatuses[0].Resources.Limits["memory"].ToString());
        Assert.Equal("150m", done.ContainerStatuses[0].AllocatedResources["cpu"].ToString());
        Assert.Equal(0, done.ContainerStatuses[0].RestartCount);
    }

    [Fact]
    public async Task SyncPodAsync_ResizeRestartContainerPolicy_RestartsWithNewResources()
    {
        await using var h = new PodSyncerHarness(Pod(memoryPolicy: "RestartContainer"), allocatable: new NodeAllocatable(4000, 8192 * Mi));
        await h.SyncAsync();
        h.Runtime.Calls.Clear();

        h.Pod = Resized(h.Pod, Pod(memRequest: "96Mi", memLimit: "256Mi", memoryPolicy: "RestartContainer"));
        await h.SyncAsync();
        await h.SyncAsync();

        Assert.Contains("StopContainer app/0", h.Runtime.Calls);
        Assert.Contains("StartContainer app/1", h.Runtime.Calls);
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("UpdateContainerResources", StringComparison.Ordinal));
        Assert.Equal(256 * Mi, h.Runtime.ResourcesOf(h.Newest("app").Id)!.MemoryLimitInBytes);
        var status = h.Posted[^1];
        Assert.Equal(1, status.ContainerStatuses[0].RestartCount);
        Assert.Equal("256Mi", status.ContainerStatuses[0].Resources.Limits["memory"].ToString());
        Assert.Null(Condition(status, "PodResizeInProgress"));
    }

    [Fact]
    public async Task SyncPodAsync_ResizeBeyondNodeCapacity_InfeasibleThenAFittingResizeProceeds()
    {
        await using var h = new PodSyncerHarness(Pod(), allocatable: new NodeAllocatable(1000, 1024 * Mi));
        await h.SyncAsync();
        var id = h.Newest("app").Id;
        h.Runtime.Calls.Clear();

        h.Pod = Resized(h.Pod, Pod(memRequest: "2Gi", memLimit: "2Gi"));
        await h.SyncAsync();
        await h.SyncAsync();

        var pending = Condition(h.Posted[^1], "PodResizePending");
        Assert.Equal("Infeasible", pending?.Reason);
        Assert.Equal($"Node didn't have enough capacity: memory, requested: {2048 * Mi}, capacity: {1024 * Mi}", pending?.Message);
        Assert.Empty(h.Runtime.Calls);
        Assert.Equal(128 * Mi, h.Runtime.ResourcesOf(id)!.MemoryLimitInBytes);
        Assert.Equal("64Mi", h.Posted[^1].ContainerStatuses[0].AllocatedResources["memory"].ToString());
        Assert.Null(Condition(h.Posted[^1], "PodResizeInProgress"));

        h.Pod = Resized(h.Pod, Pod(memRequest: "96Mi", memLimit: "512Mi"));
        await h.SyncAsync();
        await h.SyncAsync();

        Assert.Null(Condition(h.Posted[^1], "PodResizePending"));
        Assert.Equal(["UpdateContainerResources app/0"], h.Runtime.Calls);
        Assert.Equal(512 * Mi, h.Runtime.ResourcesOf(id)!.MemoryLimitInBytes);
    }

    [Fact]
    public async Task SyncPodAsync_ResizeOtherPodsLeaveNoRoomFor_DeferredUntilTheyGo()
    {
        await using var h = new PodSyncerHarness(Pod(), allocatable: new NodeAllocatable(1000, 1024 * Mi));
        var other = Pod(cpuRequest: "800m", cpuLimit: "800m");
        other.Metadata.Uid = "uid-2";
        h.Rt.Allocations.Reconcile(other);
        await h.SyncAsync();
        h.Runtime.Calls.Clear();

        h.Pod = Resized(h.Pod, Pod(cpuRequest: "300m", cpuLimit: "400m"));
        await h.SyncAsync();

        var pending = Condition(h.Posted[^1], "PodResizePending");
        Assert.Equal("Deferred", pending?.Reason);
        Assert.Equal("Node didn't have enough resource: cpu, requested: 300, used: 800, capacity: 1000", pending?.Message);
        Assert.Empty(h.Runtime.Calls);

        h.Rt.Allocations.Release("uid-2");
        await h.SyncAsync();
        await h.SyncAsync();

        Assert.Null(Condition(h.Posted[^1], "PodResizePending"));
        Assert.Equal(["UpdateContainerResources app/0"], h.Runtime.Calls);
    }

    [Fact]
    public async Task SyncPodAsync_RuntimeRefusesUpdate_InProgressWithErrorThenRetried()
    {
        await using var h = new PodSyncerHarness(Pod(), allocatable: new NodeAllocatable(4000, 8192 * Mi));
        await h.SyncAsync();
        h.Runtime.UpdateResourcesFailure = "cgroup busy";

        h.Pod = Resized(h.Pod, Pod(memLimit: "256Mi"));
        await h.SyncAsync();
        await h.SyncAsync();

        var failed = Condition(h.Posted[^1], "PodResizeInProgress");
        Assert.Equal("Error", failed?.Reason);
        Assert.Contains("cgroup busy", failed?.Message, StringComparison.Ordinal);
        Assert.Equal("128Mi", h.Posted[^1].ContainerStatuses[0].Resources.Limits["memory"].ToString());

        h.Runtime.UpdateResourcesFailure = null;
        await h.SyncAsync();

        Assert.Null(Condition(h.Posted[^1], "PodResizeInProgress"));
        Assert.Equal("256Mi", h.Posted[^1].ContainerStatuses[0].Resources.Limits["memory"].ToString());
    }
}
