using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Testing;
using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class NodeSimulatorPodTests
{
    [Fact]
    public async Task Run_PodBoundToSimulatedNode_BecomesRunningWithIpInPodCidrAndReady()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("run");
        await sim.CreateNodeAsync("sim-a", "10.42.7.0/24");
        await sim.CreatePodAsync(ns, "web", "sim-a");

        var pod = await sim.WaitForPodAsync(ns, "web", p => p.Status?.Phase == "Running", "pod Running");

        Assert.StartsWith("10.42.7.", pod.Status.PodIP, StringComparison.Ordinal);
        Assert.NotEqual("10.42.7.1", pod.Status.PodIP);
        Assert.Equal(pod.Status.PodIP, Assert.Single(pod.Status.PodIPs).Ip);
        Assert.False(string.IsNullOrEmpty(pod.Status.HostIP));
        Assert.NotNull(pod.Status.StartTime);
        foreach (var type in new[] { "PodScheduled", "Initialized", "ContainersReady", "Ready" })
        {
            Assert.Equal("True", pod.Status.Conditions.Single(c => c.Type == type).Status);
        }

        Assert.Equal(2, pod.Status.ContainerStatuses.Count);
        Assert.All(pod.Status.ContainerStatuses, c =>
        {
            Assert.True(c.Ready);
            Assert.True(c.Started);
            Assert.NotNull(c.State.Running?.StartedAt);
            // The kubelet's own status code reports the runtime's container IDs.
            Assert.StartsWith("containerd://", c.ContainerID, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(c.ImageID));
        });
        var init = Assert.Single(pod.Status.InitContainerStatuses);
        Assert.Equal("Completed", init.State.Terminated?.Reason);
    }

    [Fact]
    public async Task Run_TwoPodsOnOneNode_GetDistinctAddresses()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("ips");
        await sim.CreateNodeAsync("sim-a", "10.42.8.0/24");
        await sim.CreatePodAsync(ns, "one", "sim-a");
        await sim.CreatePodAsync(ns, "two", "sim-a");

        var one = await sim.WaitForPodAsync(ns, "one", p => p.Status?.Phase == "Running", "pod one Running");
        var two = await sim.WaitForPodAsync(ns, "two", p => p.Status?.Phase == "Running", "pod two Running");

        Assert.NotEqual(one.Status.PodIP, two.Status.PodIP);
    }

    [Fact]
    public async Task Run_NodeWithoutPodCidr_IsNotReadyAndPodWaitsUntilCidrAssigned()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("cidr");
        await sim.CreateNodeAsync("sim-a", podCidr: null);
        await sim.CreatePodAsync(ns, "web", "sim-a");

        // No subnet (e.g. the cluster CIDR is used up): the node says its network is not ready,
        // so it is tainted and the scheduler looks elsewhere; the pod has no address to run with.
        var notReady = await Eventually.WaitAsync(
            async ct => (await sim.Client.CoreV1.ReadNodeAsync("sim-a", cancellationToken: ct)).Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "False"),
            SimulatorHarness.Timeout,
            "node NotReady");
        Assert.Equal("KubeletNotReady", notReady.Reason);
        Assert.Contains("network not ready", notReady.Message, StringComparison.Ordinal);
        Assert.NotEqual("Running", (await sim.Client.CoreV1.ReadNamespacedPodAsync("web", ns)).Status?.Phase);

        var patch = new V1Patch("{\"spec\":{\"podCIDR\":\"10.42.9.0/24\",\"podCIDRs\":[\"10.42.9.0/24\"]}}", V1Patch.PatchType.MergePatch);
        await sim.Client.CoreV1.PatchNodeAsync(patch, "sim-a");

        var pod = await sim.WaitForPodAsync(ns, "web", p => p.Status?.Phase == "Running", "pod Running after podCIDR");
        Assert.StartsWith("10.42.9.", pod.Status.PodIP, StringComparison.Ordinal);
        var ready = await Eventually.WaitAsync(
            async ct => (await sim.Client.CoreV1.ReadNodeAsync("sim-a", cancellationToken: ct)).Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True"),
            SimulatorHarness.Timeout,
            "node Ready once it has a subnet");
        Assert.Equal("KubeletReady", ready.Reason);
    }

    [Fact]
    public async Task Run_PodOnUnsimulatedNode_IsLeftAlone()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("real");
        await sim.CreateNodeAsync("real-a", "10.42.10.0/24", simulated: false);
        await sim.CreateNodeAsync("sim-a", "10.42.11.0/24");
        await sim.CreatePodAsync(ns, "mine", "real-a");
        await sim.CreatePodAsync(ns, "theirs", "sim-a");

        await sim.WaitForPodAsync(ns, "theirs", p => p.Status?.Phase == "Running", "simulated pod Running");

        var untouched = await sim.Client.CoreV1.ReadNamespacedPodAsync("mine", ns);
        Assert.Null(untouched.Status?.ContainerStatuses);
        Assert.Null(untouched.Status?.PodIP);
    }

    [Theory]
    [InlineData(null, "Succeeded", 0)]
    [InlineData("3", "Failed", 3)]
    public async Task Run_ExitAfterWithRestartNever_EndsInPhaseWithExitCode(string? exitCode, string phase, int expectedCode)
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("exit");
        await sim.CreateNodeAsync("sim-a", "10.42.12.0/24");
        var annotations = new Dictionary<string, string> { [SimulationAnnotations.ExitAfter] = "1s" };
        if (exitCode is not null)
        {
            annotations[SimulationAnnotations.ExitCode] = exitCode;
        }

        await sim.CreatePodAsync(ns, "job", "sim-a", annotations, restartPolicy: "Never");

        var pod = await sim.WaitForPodAsync(ns, "job", p => p.Status?.Phase is "Succeeded" or "Failed", "pod finished");

        Assert.Equal(phase, pod.Status.Phase);
        Assert.All(pod.Status.ContainerStatuses, c =>
        {
            Assert.Equal(expectedCode, c.State.Terminated?.ExitCode);
            Assert.False(c.Ready);
        });
        Assert.Equal("False", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
    }

    [Fact]
    public async Task Run_ExitAfterWithRestartAlways_RestartsAndRunsAgain()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("restart");
        await sim.CreateNodeAsync("sim-a", "10.42.13.0/24");
        var annotations = new Dictionary<string, string> { [SimulationAnnotations.ExitAfter] = "1s", [SimulationAnnotations.ExitCode] = "2" };
        await sim.CreatePodAsync(ns, "crash", "sim-a", annotations, restartPolicy: "Always");

        var pod = await sim.WaitForPodAsync(ns, "crash", p => p.Status?.ContainerStatuses?.Any(c => c.RestartCount >= 1 && c.State?.Running is not null) == true, "pod restarted");

        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal(2, pod.Status.ContainerStatuses[0].LastState.Terminated?.ExitCode);
    }

    [Fact]
    public async Task Run_OnFailureWithExitZero_Succeeds()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("onfailure");
        await sim.CreateNodeAsync("sim-a", "10.42.14.0/24");
        await sim.CreatePodAsync(ns, "ok", "sim-a", new Dictionary<string, string> { [SimulationAnnotations.ExitAfter] = "500ms" }, restartPolicy: "OnFailure");

        var pod = await sim.WaitForPodAsync(ns, "ok", p => p.Status?.Phase is "Succeeded" or "Failed", "pod finished");

        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.All(pod.Status.ContainerStatuses, c => Assert.Equal(0, c.RestartCount));
    }

    [Fact]
    public async Task Delete_RunningPodWithGrace_IsRemovedOnceGraceHasPassed()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        var ns = await sim.Cluster.CreateNamespaceAsync("delete");
        await sim.CreateNodeAsync("sim-a", "10.42.15.0/24");
        await sim.CreatePodAsync(ns, "web", "sim-a", grace: 2);
        await sim.WaitForPodAsync(ns, "web", p => p.Status?.Phase == "Running", "pod Running");

        // The delete answers with the pod still there, terminating with its grace period. (A read after
        // it could already find it gone: the hollow kubelet stops in-memory containers at once and
        // then removes the pod, as upstream's kubelet does once the containers have exited.)
        V1Pod terminating = await sim.Client.CoreV1.DeleteNamespacedPodAsync("web", ns);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(2, terminating.Metadata.DeletionGracePeriodSeconds);
        await Eventually.WaitAsync(
            async ct =>
            {
                try
                {
                    await sim.Client.CoreV1.ReadNamespacedPodAsync("web", ns, cancellationToken: ct);
                    return false;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return true;
                }
            },
            SimulatorHarness.Timeout,
            "pod deleted");
    }
}
