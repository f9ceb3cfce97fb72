using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.NodeLifecycle.NodeFixtures;

namespace Timonel.Controllers.Tests.PodGc;

public sealed class PodGcControllerTests
{
    private static ControllerManagerOptions Options(int threshold = 1000) => new()
    {
        NodeMonitorPeriod = TimeSpan.FromMilliseconds(250),
        NodeMonitorGracePeriod = TimeSpan.FromSeconds(1),
        TerminatedPodGcThreshold = threshold,
    };

    [Fact]
    public async Task Gc_PodOnDeletedNode_IsForceDeleted()
    {
        await using var harness = await ControllerHarness.StartAsync(Options(), "podgc");
        var ns = await harness.Cluster.CreateNamespaceAsync("orphans");
        await harness.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "alive" } });
        await CreatePodAsync(harness.Client, ns, "orphan", "gone");
        await CreatePodAsync(harness.Client, ns, "kept", "alive");

        await Eventually.WaitAsync(ct => IsGoneAsync(harness.Client, ns, "orphan", ct), WaitLimit, "orphaned pod deleted");

        Assert.False(await IsGoneAsync(harness.Client, ns, "kept", CancellationToken.None));
    }

    [Fact]
    public async Task Gc_TerminatedPodsOverThreshold_DeletesOldestFirst()
    {
        await using var harness = await ControllerHarness.StartAsync(Options(threshold: 2), "podgc");
        var ns = await harness.Cluster.CreateNamespaceAsync("terminated");
        await harness.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        var running = await CreatePodAsync(harness.Client, ns, "running", "n1");
        await MarkRunningAsync(harness.Client, running);
        foreach (var name in new[] { "p0", "p1", "p2", "p3" })
        {
            var pod = await CreatePodAsync(harness.Client, ns, name, "n1");
            await MarkRunningAsync(harness.Client, pod, phase: name == "p1" ? "Failed" : "Succeeded");
            await Task.Delay(1100); // distinct creation timestamps (second precision)
        }

        await Eventually.WaitAsync(ct => IsGoneAsync(harness.Client, ns, "p1", ct), WaitLimit, "second-oldest terminated pod deleted");

        Assert.True(await IsGoneAsync(harness.Client, ns, "p0", CancellationToken.None));
        Assert.False(await IsGoneAsync(harness.Client, ns, "p2", CancellationToken.None));
        Assert.False(await IsGoneAsync(harness.Client, ns, "p3", CancellationToken.None));
        Assert.False(await IsGoneAsync(harness.Client, ns, "running", CancellationToken.None));
    }

    [Fact]
    public async Task Gc_ThresholdZero_KeepsTerminatedPods()
    {
        await using var harness = await ControllerHarness.StartAsync(Options(threshold: 0), "podgc");
        var ns = await harness.Cluster.CreateNamespaceAsync("nolimit");
        await harness.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        var done = await CreatePodAsync(harness.Client, ns, "done", "n1");
        await MarkRunningAsync(harness.Client, done, phase: "Succeeded");
        await CreatePodAsync(harness.Client, ns, "orphan", "gone");

        // The orphan's deletion shows passes have run.
        await Eventually.WaitAsync(ct => IsGoneAsync(harness.Client, ns, "orphan", ct), WaitLimit, "orphaned pod deleted");

        Assert.False(await IsGoneAsync(harness.Client, ns, "done", CancellationToken.None));
    }
}
