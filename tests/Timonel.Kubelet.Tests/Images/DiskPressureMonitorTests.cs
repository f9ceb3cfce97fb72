using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Timonel.Kubelet.Cri;
using Timonel.Kubelet.Images;
using Timonel.Kubelet.Node;
using Timonel.Kubelet.Pods;

namespace Timonel.Kubelet.Tests.Images;

public sealed class DiskPressureMonitorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeImageStore _store = new();
    private readonly List<V1Pod> _pods = [];
    private readonly Dictionary<string, long> _usage = new(StringComparer.Ordinal);
    private readonly List<(string Pod, string Message)> _evicted = [];

    private DiskPressureMonitor Monitor(ImageGcManager? gc = null) =>
        new(_store, gc, new DiskEvictionThresholds(), _time, NullLogger.Instance, () => _pods, p => _usage.GetValueOrDefault(p.Metadata.Name), (p, m) => _evicted.Add((p.Metadata.Name, m)));

    private ImageGcManager Gc() =>
        new(_store, new InMemoryContainerRuntime(), new PinnedImages(null, "pause:1"), _store, new ImageGcPolicy(), _time, NullLogger.Instance);

    private void AddPod(string name, int? priority = null, string? request = null, long usage = 0)
    {
        var container = new V1Container { Name = "c", Image = "busybox", Resources = request is null ? null : new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["ephemeral-storage"] = new(request) } } };
        _pods.Add(new V1Pod { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = name }, Spec = new V1PodSpec { Containers = [container], Priority = priority }, Status = new V1PodStatus { Phase = "Running" } });
        _usage[name] = usage;
    }

    [Fact]
    public async Task Synchronize_ImageFsBelow15Percent_PressureUntilTransitionPeriodPasses()
    {
        var monitor = Monitor();
        _store.OtherBytes = 800;
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.False(monitor.UnderPressure);

        // 14 % free on the image filesystem: imagefs.available<15%.
        _store.OtherBytes = 860;
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.True(monitor.UnderPressure);

        // Freed again: the condition stays for the 5 minute transition period, then clears.
        _store.OtherBytes = 500;
        _time.Advance(TimeSpan.FromMinutes(4));
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.True(monitor.UnderPressure);
        _time.Advance(TimeSpan.FromMinutes(1));
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.False(monitor.UnderPressure);
    }

    [Fact]
    public async Task Synchronize_NodeFsBelow10Percent_Pressure()
    {
        var monitor = Monitor();
        _store.NodeAvailableBytes = 100;
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.False(monitor.UnderPressure);

        _store.NodeAvailableBytes = 99;
        await monitor.SynchronizeAsync(CancellationToken.None);
        Assert.True(monitor.UnderPressure);
    }

    [Fact]
    public async Task Synchronize_ImageGcFreesEnough_NoPodEvicted()
    {
        var gc = Gc();
        _store.OtherBytes = 800;
        _store.Add("unused:1", 100);
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));
        AddPod("victim", usage: 10);
        var monitor = Monitor(gc);

        Assert.Null(await monitor.SynchronizeAsync(CancellationToken.None));

        Assert.True(monitor.UnderPressure);
        Assert.Equal(["unused:1"], _store.Removed);
        Assert.Empty(_evicted);
    }

    [Fact]
    public async Task Synchronize_StillUnderPressureAfterImageGc_EvictsByUpstreamRanking()
    {
        var gc = Gc();
        _store.OtherBytes = 900;
        _store.Add("unused:1", 20);
        await gc.DetectAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));
        AddPod("critical", priority: 2_000_000_000, usage: 500);
        AddPod("within-request-low-priority", priority: -10, request: "1000", usage: 100);
        AddPod("over-request-high-priority", priority: 1000, request: "10", usage: 50);
        AddPod("over-request-low-priority-small", priority: 0, request: "10", usage: 20);
        AddPod("over-request-low-priority-big", priority: 0, request: "10", usage: 40);
        var monitor = Monitor(gc);

        var evicted = await monitor.SynchronizeAsync(CancellationToken.None);

        Assert.Equal(["unused:1"], _store.Removed);
        Assert.Equal("over-request-low-priority-big", evicted?.Metadata.Name);
        var (pod, message) = Assert.Single(_evicted);
        Assert.Equal("over-request-low-priority-big", pod);
        Assert.StartsWith("The node was low on resource: ephemeral-storage. Threshold quantity: 0Ki, available: 0Ki.", message, StringComparison.Ordinal);
        Assert.Equal(["over-request-low-priority-big", "over-request-low-priority-small", "over-request-high-priority", "within-request-low-priority"], monitor.Rank(_pods).Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task Synchronize_NoThresholdMet_EvictsNothing()
    {
        AddPod("pod", usage: 10_000);
        _store.OtherBytes = 100;
        Assert.Null(await Monitor(Gc()).SynchronizeAsync(CancellationToken.None));
        Assert.Empty(_evicted);
    }

    [Fact]
    public void NodeStatus_DiskPressure_SetAndCleared()
    {
        var options = new KubeletOptions { DataDir = "/tmp/x", NodeName = "n", NodeIp = System.Net.IPAddress.Loopback };
        var machine = new MachineInfo(2, 1L << 30, 10L << 30, "id", "k", "os");
        var now = DateTime.UtcNow;
        var pressured = NodeStatusBuilder.Build(options, machine, new NodeHealth(true, null, 1L << 30, true, 10, 1000), null, "containerd://1.6", now);
        var disk = pressured.Conditions.Single(c => c.Type == "DiskPressure");
        Assert.Equal(("True", "KubeletHasDiskPressure"), (disk.Status, disk.Reason));
        var cleared = NodeStatusBuilder.Build(options, machine, new NodeHealth(true, null, 1L << 30, false, 10, 1000), pressured.Conditions, "containerd://1.6", now.AddMinutes(1));
        disk = cleared.Conditions.Single(c => c.Type == "DiskPressure");
        Assert.Equal(("False", "KubeletHasNoDiskPressure", (DateTime?)now.AddMinutes(1)), (disk.Status, disk.Reason, disk.LastTransitionTime));
    }
}
