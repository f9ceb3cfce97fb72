using k8s.Models;
using Timonel.Kubelet.Cri;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>The events the pod managers record, with upstream 1.33's reasons, types and texts.</summary>
public sealed class PodEventsTests
{
    [Fact]
    public async Task SyncPodAsync_NewPod_PulledCreatedStartedOnTheContainer()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));

        await h.SyncAsync();

        var events = await h.EventsAsync();
        Assert.Equal(
            [
                "Pulling: Pulling image \"docker.io/library/busybox:1.36\"",
                "Pulled: Successfully pulled image \"docker.io/library/busybox:1.36\" in 0s (0s including waiting). Image size: 4269694 bytes.",
                "Created: Created container: app",
                "Started: Started container app",
            ],
            await h.EventTextsAsync());
        Assert.All(events, e =>
        {
            Assert.Equal("Normal", e.Type);
            Assert.Equal(("Pod", "v1", "web", "default", "uid-1", "spec.containers{app}"), (e.InvolvedObject.Kind, e.InvolvedObject.ApiVersion, e.InvolvedObject.Name, e.InvolvedObject.NamespaceProperty, e.InvolvedObject.Uid, e.InvolvedObject.FieldPath));
            Assert.Equal(("kubelet", "node-1"), (e.Source.Component, e.Source.Host));
            Assert.Equal(("kubelet", "node-1"), (e.ReportingComponent, e.ReportingInstance));
            Assert.Equal("default", e.Metadata.NamespaceProperty);
            Assert.Equal(1, e.Count);
        });
    }

    [Fact]
    public async Task SyncPodAsync_CrashLoop_BackOffEventAggregatedWithCount()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        await h.SyncAsync();
        h.Runtime.ExitContainer(h.Newest("app").Id, 1);
        await h.SyncAsync();

        // Crashes within the backoff: every sync says BackOff again; the Event's count grows.
        h.Runtime.ExitContainer(h.Newest("app").Id, 1);
        await h.SyncAsync();
        await h.SyncAsync();
        await h.SyncAsync();

        var events = await h.EventsAsync();
        var backOff = Assert.Single(events, e => e.Reason == "BackOff");
        Assert.Equal("Warning", backOff.Type);
        Assert.Equal("Back-off restarting failed container app in pod web_default(uid-1)", backOff.Message);
        Assert.Equal(3, backOff.Count);
        Assert.Equal("spec.containers{app}", backOff.InvolvedObject.FieldPath);
        var started = Assert.Single(events, e => e.Reason == "Started");
        Assert.Equal(2, started.Count);
        Assert.Equal("Container image \"docker.io/library/busybox:1.36\" already present on machine", Assert.Single(events, e => e.Message.Contains("already present", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public async Task SyncPodAsync_PullFails_FailedErrImagePullThenBackOffImagePullBackOff()
    {
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].Image = "docker.io/library/nosuch:1.0";
        await using var h = new PodSyncerHarness(pod);
        h.Runtime.MissingImages.Add("docker.io/library/nosuch:1.0");

        await h.SyncAsync();
        Assert.Equal("ErrImagePull", h.Posted[^1].ContainerStatuses[0].State.Waiting.Reason);
        await h.SyncAsync();
        Assert.Equal("ImagePullBackOff", h.Posted[^1].ContainerStatuses[0].State.Waiting.Reason);

        Assert.Equal(
            [
                "Pulling: Pulling image \"docker.io/library/nosuch:1.0\"",
                "Failed: Failed to pull image \"docker.io/library/nosuch:1.0\": rpc error: code = NotFound desc = failed to resolve reference \"docker.io/library/nosuch:1.0\": not found",
                "Failed: Error: ErrImagePull",
                "BackOff: Back-off pulling image \"docker.io/library/nosuch:1.0\"",
                "Failed: Error: ImagePullBackOff",
            ],
            await h.EventTextsAsync());
        var events = await h.EventsAsync();
        Assert.Equal(["Normal", "Warning", "Warning", "Normal", "Warning"], events.Select(e => e.Type));
        Assert.Equal(
            "rpc error: code = NotFound desc = failed to resolve reference \"docker.io/library/nosuch:1.0\": not found",
            h.Posted[0].ContainerStatuses[0].State.Waiting.Message);
        Assert.DoesNotContain(h.Runtime.Calls, c => c.StartsWith("CreateContainer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SyncPodAsync_LivenessProbeFails_UnhealthyEveryRunThenKilling()
    {
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].LivenessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/healthy"] }, PeriodSeconds = 1, FailureThreshold = 3 };
        await using var h = new PodSyncerHarness(pod);
        h.Runtime.ExecResults["cat /tmp/healthy"] = (1, "cat: can't open '/tmp/healthy': No such file or directory");
        await h.SyncAsync();

        var woken = false;
        for (var i = 0; i < 100 && !woken; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            woken = await h.WaitForWakeAsync(TimeSpan.FromMilliseconds(50));
        }

        Assert.True(woken);
        await h.SyncAsync();

        var events = await h.EventsAsync();
        var unhealthy = Assert.Single(events, e => e.Reason == "Unhealthy");
        Assert.Equal("Warning", unhealthy.Type);
        Assert.Equal("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory", unhealthy.Message);
        // Three failures before the kill; the new instance's probes may have run once since.
        Assert.InRange(unhealthy.Count ?? 0, 3, 4);
        var killing = Assert.Single(events, e => e.Reason == "Killing");
        Assert.Equal(("Normal", "Container app failed liveness probe, will be restarted"), (killing.Type, killing.Message));
        Assert.Equal("spec.containers{app}", killing.InvolvedObject.FieldPath);
        Assert.Equal(1u, h.Newest("app").Metadata.Attempt);
    }

    [Fact]
    public async Task SyncPodAsync_ReadinessProbeFails_UnhealthyReadinessEvent()
    {
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["false"] }, PeriodSeconds = 1 };
        await using var h = new PodSyncerHarness(pod);
        h.Runtime.ExecResults["false"] = (1, "");
        await h.SyncAsync();

        for (var i = 0; i < 100 && !(await h.EventsAsync()).Any(e => e.Reason == "Unhealthy"); i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        var unhealthy = Assert.Single(await h.EventsAsync(), e => e.Reason == "Unhealthy");
        Assert.Equal(("Warning", "Readiness probe failed: "), (unhealthy.Type, unhealthy.Message));
        Assert.DoesNotContain(await h.EventsAsync(), e => e.Reason == "Killing");
    }

    [Fact]
    public async Task SyncPodAsync_SandboxFailsToStart_FailedCreatePodSandBox()
    {
        await using var h = new PodSyncerHarness(PodSyncerHarness.NewPod("Always"));
        h.Runtime.SandboxFailure = "failed to setup network for sandbox: plugin type=\"bridge\" failed";

        await Assert.ThrowsAsync<Grpc.Core.RpcException>(h.SyncAsync);

        var failed = Assert.Single(await h.EventsAsync());
        Assert.Equal(("Warning", "FailedCreatePodSandBox"), (failed.Type, failed.Reason));
        Assert.Equal("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox: plugin type=\"bridge\" failed", failed.Message);
        Assert.Null(failed.InvolvedObject.FieldPath);
    }
}
