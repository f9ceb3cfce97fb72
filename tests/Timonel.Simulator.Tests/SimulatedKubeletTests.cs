using k8s;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Simulator.Tests;

/// <summary>Simulated pods go through the kubelet's own code (probes, events, a lost kubelet's adoption), which the old status writer could not show.</summary>
public sealed class SimulatedKubeletTests
{
    [Fact]
    public async Task Run_ReadinessProbeFailsOnSimulatedPod_KubeletReportsUnhealthyAndNotReady()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("probe");
        await sim.CreateNodeAsync("sim-a", "10.42.30.0/24");
        await sim.Client.CoreV1.CreateNamespacedPodAsync(PodWithReadiness("bad", "sim-a", "false"), ns);
        await sim.Client.CoreV1.CreateNamespacedPodAsync(PodWithReadiness("good", "sim-a", "true"), ns);

        // The passing probe first: it shows the probe path runs and can make a pod Ready.
        var good = await sim.WaitForPodAsync(ns, "good", p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, "good pod Ready");
        Assert.True(Assert.Single(good.Status.ContainerStatuses).Ready);

        var bad = await sim.WaitForPodAsync(ns, "bad", p => p.Status?.Phase == "Running", "bad pod Running");
        var unhealthy = await Eventually.WaitAsync(
            async ct => (await sim.Client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: ct)).Items
                .FirstOrDefault(e => e.InvolvedObject.Name == "bad" && e.Reason == "Unhealthy"),
            SimulatorHarness.Timeout,
            "Unhealthy event for the bad pod");
        Assert.Equal("Warning", unhealthy.Type);
        Assert.StartsWith("Readiness probe failed", unhealthy.Message, StringComparison.Ordinal);
        Assert.Equal("kubelet", unhealthy.Source?.Component);
        Assert.Equal("sim-a", unhealthy.Source?.Host);

        bad = await sim.Client.CoreV1.ReadNamespacedPodAsync("bad", ns);
        Assert.Equal("False", bad.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.False(Assert.Single(bad.Status.ContainerStatuses).Ready);
        Assert.NotNull(bad.Status.ContainerStatuses[0].State.Running);
    }

    [Fact]
    public async Task Run_HeartbeatStoppedWhilePodRuns_StatusFreezesUntilResumedThenKubeletCatchesUp()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("lost");
        await sim.CreateNodeAsync("sim-a", "10.42.31.0/24");
        await sim.CreatePodAsync(ns, "job", "sim-a", new Dictionary<string, string> { [SimulationAnnotations.ExitAfter] = "3s" }, restartPolicy: "Never");
        await sim.WaitForPodAsync(ns, "job", p => p.Status?.Phase == "Running", "pod Running");

        await SetHeartbeatAsync(sim, "stopped");
        await Task.Delay(TimeSpan.FromSeconds(5)); // past the exit: a live kubelet would have posted Succeeded by now

        // The container exited in the runtime, but the lost kubelet posts nothing.
        Assert.Equal("Running", (await sim.Client.CoreV1.ReadNamespacedPodAsync("job", ns)).Status.Phase);

        await SetHeartbeatAsync(sim, null);
        var done = await sim.WaitForPodAsync(ns, "job", p => p.Status?.Phase is "Succeeded" or "Failed", "pod finished after the kubelet came back");
        Assert.Equal("Succeeded", done.Status.Phase);
        Assert.All(done.Status.ContainerStatuses, c => Assert.Equal(0, c.State.Terminated?.ExitCode));
    }

    private static Task SetHeartbeatAsync(SimulatorHarness sim, string? value)
    {
        var json = value is null ? "null" : $"\"{value}\"";
        return sim.Client.CoreV1.PatchNodeAsync(new V1Patch($"{{\"metadata\":{{\"annotations\":{{\"{SimulationAnnotations.Heartbeat}\":{json}}}}}}}", V1Patch.PatchType.MergePatch), "sim-a");
    }

    private static V1Pod PodWithReadiness(string name, string nodeName, string command) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            NodeName = nodeName,
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = "nginx",
                    ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = [command] }, PeriodSeconds = 1 },
                },
            ],
        },
    };
}
